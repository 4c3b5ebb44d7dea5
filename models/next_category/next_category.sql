-- next_category: each member's three most likely next categories at
-- @level, from category-to-category co-purchase lift over all members.
--
-- history: per member and category, the paid orders (paid as of the
-- cut-off, as every model reads orders) in [@from, @to) with a line in it.
-- pairs: for categories a != b, the members who bought both; for a = b,
-- the members who bought a in 2 or more orders (repeat purchase), kept
-- when at least @min_pair_members. lift(a, b) = pair members x members /
-- (members with a x members with b). A member's score of b is the sum
-- over their categories a of (orders with a) x lift(a, b); the top three
-- (ties: category name) are the prediction.

-- name: history_create
CREATE TABLE {{history}} (member_id String, category String, orders UInt32) ENGINE = Memory

-- name: history_fill
-- Shard-local in cluster mode, orders joined and counted by
-- cityHash64(order_id), as category_affinity's base (see there).
INSERT INTO {{history}} (member_id, category, orders)
SELECT member_id, category, toUInt32(uniqExact(oh))
FROM
(
    SELECT member_id, oh,
        multiIf(@level = 1, category_l1,
                @level = 2, if(category_l2 = '', '', concat(category_l1, '/', category_l2)),
                if(category_l3 = '', '', concat(category_l1, '/', category_l2, '/', category_l3))) AS category
    FROM
    (
        SELECT member_id, cityHash64(order_id) AS oh, category_l1, category_l2, category_l3
        FROM order_items FINAL
        WHERE member_id != ''
          -- Published files only, as the _current views (migration 090).
          AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
    ) AS i
    ALL INNER JOIN
    (
        SELECT cityHash64(order_id) AS oh FROM orders FINAL
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          -- Published files only, as the _current views (migration 090).
          AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
          AND ordered_at < toDateTime(@to, 'UTC') AND ordered_at >= toDateTime(@from, 'UTC')
    ) AS o USING (oh)
)
WHERE category != ''
GROUP BY member_id, category
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1

-- name: pairs_create
CREATE TABLE {{pairs}} (a String, b String, members UInt64) ENGINE = Memory

-- name: pairs_fill
INSERT INTO {{pairs}} (a, b, members)
SELECT p.1 AS a, p.2 AS b, count() AS n
FROM
(
    SELECT arrayJoin(arrayFilter(x -> x.1 != x.2 OR x.3 >= 2,
        arrayMap(k -> (cats[intDiv(k, length(cats)) + 1], cats[k % length(cats) + 1], ords[k % length(cats) + 1]),
            range(length(cats) * length(cats))))) AS p
    FROM (SELECT member_id, groupArray(category) AS cats, groupArray(orders) AS ords FROM {{history}} GROUP BY member_id)
    -- ClickHouse 18.16 drops a subquery column that only a lambda reads:
    -- this condition (always true) reads ords outside one.
    WHERE length(ords) = length(cats)
)
GROUP BY a, b
HAVING n >= @min_pair_members

-- name: lift_create
CREATE TABLE {{lift}} (a String, b String, lift Float64) ENGINE = Memory

-- name: lift_fill
INSERT INTO {{lift}} (a, b, lift)
SELECT a, b, members * (SELECT uniqExact(member_id) FROM {{history}}) / (na * nb)
FROM
(
    SELECT * FROM
    (
        SELECT a, b, members FROM {{pairs}}
    ) AS p
    ANY LEFT JOIN (SELECT category AS a, count() AS na FROM {{history}} GROUP BY category) AS ca USING (a)
) AS pa
ANY LEFT JOIN (SELECT category AS b, count() AS nb FROM {{history}} GROUP BY category) AS cb USING (b)

-- name: predict_create
CREATE TABLE {{predict}} (member_id String, rank UInt8, category String, score Float64) ENGINE = Memory

-- name: predict_fill
INSERT INTO {{predict}} (member_id, rank, category, score)
SELECT member_id, rank, tupleElement(t, 2), tupleElement(t, 1)
FROM
(
    SELECT member_id, arraySlice(arraySort(x -> (-x.1, x.2), groupArray((score, b))), 1, 3) AS top
    FROM
    (
        SELECT member_id, b, sum(orders * lift) AS score
        FROM
        (
            SELECT member_id, category AS a, orders FROM {{history}}
        ) AS h
        ALL INNER JOIN (SELECT a, b, lift FROM {{lift}}) AS l USING (a)
        GROUP BY member_id, b
    )
    GROUP BY member_id
)
ARRAY JOIN top AS t, arrayEnumerate(top) AS rank

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, rank, category, level, score, run_id)
SELECT toDate(@as_of), member_id, rank, category, toUInt8(@level), score, @run_id FROM {{predict}}

-- name: popular
-- The most-popular baseline: the three categories most members bought
-- (ties: category name).
SELECT category FROM {{history}} GROUP BY category ORDER BY count() DESC, category LIMIT 3

-- name: evaluate
-- Hit at 3 over the members with a prediction and a purchase in the test
-- window ({{actual}}): the prediction, or the baseline @popular, names a
-- category they bought there.
SELECT toFloat64(count()), toFloat64(sum(hasAny(predicted, bought))), toFloat64(sum(hasAny(@popular, bought)))
FROM
(
    SELECT member_id, groupArray(category) AS bought FROM {{actual}} GROUP BY member_id
) AS a
ALL INNER JOIN
(
    SELECT member_id, groupArray(category) AS predicted FROM {{predict}} GROUP BY member_id
) AS p USING (member_id)

-- name: summary
SELECT toFloat64(uniqExact(member_id)), toFloat64(count()) FROM {{stage}}
