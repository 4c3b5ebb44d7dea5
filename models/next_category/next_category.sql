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
-- Over 2 GB of aggregation state (half the default 4 GiB per-query limit)
-- spills to disk instead of failing.
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1,
    max_bytes_before_external_group_by = 2000000000

-- name: cats_create
CREATE TABLE {{cats}} (cid UInt32, category String, members UInt64) ENGINE = Memory

-- name: cats_fill
-- Every category of the history numbered from 1 in name order (so an
-- order by cid is an order by name), with the members who bought it. The
-- pair, lift and score steps work on these numbers instead of names.
INSERT INTO {{cats}} (cid, category, members)
SELECT toUInt32(i), arrayElement(cs, i), arrayElement(ns, i)
FROM
(
    SELECT groupArray(category) AS cs, groupArray(n) AS ns
    FROM (SELECT category, count() AS n FROM {{history}} GROUP BY category ORDER BY category)
)
ARRAY JOIN arrayEnumerate(cs) AS i

-- name: pairs_create
CREATE TABLE {{pairs}} (a UInt32, b UInt32, members UInt64) ENGINE = Memory

-- name: pairs_fill
-- Each member's ordered pairs of category numbers, packed into one UInt64
-- (a x 2^32 + b): 8 bytes a pair, however long the names, so the
-- quadratic expansion stays small (a member with k categories has k^2).
-- Run once per chunk of members (cityHash64(member_id) % @chunks =
-- @chunk); lift_fill adds the chunks' counts and applies
-- @min_pair_members.
INSERT INTO {{pairs}} (a, b, members)
SELECT toUInt32(intDiv(ab, 4294967296)), toUInt32(ab % 4294967296), count() AS n
FROM
(
    SELECT arrayJoin(arrayFilter((x, o) -> intDiv(x, 4294967296) != x % 4294967296 OR o >= 2,
        arrayMap(k -> toUInt64(cs[intDiv(k, length(cs)) + 1]) * 4294967296 + cs[k % length(cs) + 1], range(length(cs) * length(cs))),
        arrayMap(k -> ords[k % length(cs) + 1], range(length(cs) * length(cs))))) AS ab
    FROM
    (
        SELECT member_id, groupArray(cid) AS cs, groupArray(orders) AS ords
        FROM
        (
            SELECT member_id, category, orders FROM {{history}}
            WHERE cityHash64(member_id) % @chunks = @chunk
        ) AS h
        ANY LEFT JOIN (SELECT category, cid FROM {{cats}}) AS c USING (category)
        GROUP BY member_id
    )
    -- ClickHouse 18.16 drops a subquery column that only a lambda reads:
    -- this condition (always true) reads ords outside one.
    WHERE length(ords) = length(cs)
)
GROUP BY ab

-- name: lift_create
CREATE TABLE {{lift}} (a UInt32, lift Array(Float64)) ENGINE = Memory

-- name: lift_fill
-- One row per category a: lift(a, b) for every b = 1..n (the cats
-- numbers) at position b, 0 where the pair (a, b) was dropped.
INSERT INTO {{lift}} (a, lift)
SELECT a, arrayMap(x -> tupleElement(x, 2), arraySort(x -> tupleElement(x, 1), groupArray((b, lift))))
FROM
(
    SELECT a, b, if(members = 0, 0, members * (SELECT uniqExact(member_id) FROM {{history}}) / (na * nb)) AS lift
    FROM
    (
        SELECT * FROM
        (
            SELECT a, b, members FROM
            (
                SELECT cid AS a, arrayJoin(arrayMap(i -> toUInt32(i + 1), range(toUInt64((SELECT count() FROM {{cats}}))))) AS b
                FROM {{cats}}
            ) AS ab
            ANY LEFT JOIN
            (
                SELECT a, b, n AS members
                FROM (SELECT a, b, sum(members) AS n FROM {{pairs}} GROUP BY a, b HAVING n >= @min_pair_members)
            ) AS p USING (a, b)
        ) AS abp
        ANY LEFT JOIN (SELECT cid AS a, members AS na FROM {{cats}}) AS ca USING (a)
    ) AS pa
    ANY LEFT JOIN (SELECT cid AS b, members AS nb FROM {{cats}}) AS cb USING (b)
)
GROUP BY a

-- name: predict_create
CREATE TABLE {{predict}} (member_id String, rank UInt8, category String, score Float64) ENGINE = Memory

-- name: sizes
-- Members and categories of the history: pairs_fill holds the category
-- arrays of its chunk's members, the score vectors of one predict_fill
-- chunk take members x categories cells.
SELECT toUInt64(uniqExact(member_id)), toUInt64((SELECT count() FROM {{cats}})) FROM {{history}}

-- name: predict_fill
-- The members with cityHash64(member_id) % @chunks = @chunk: each one's
-- score vector, the sum over their categories a of (orders with a) x the
-- lift row of a; categories with a score (a kept pair) compete, top
-- three by score, ties by cid (= by name).
INSERT INTO {{predict}} (member_id, rank, category, score)
SELECT member_id, rank, category, score
FROM
(
    SELECT member_id, rank, tupleElement(t, 2) AS cid, tupleElement(t, 1) AS score
    FROM
    (
        SELECT member_id, arraySlice(arraySort(x -> (-tupleElement(x, 1), tupleElement(x, 2)),
            arrayFilter(x -> tupleElement(x, 1) > 0, arrayMap((v, k) -> (v, toUInt32(k)), sv, arrayEnumerate(sv)))), 1, 3) AS top
        FROM
        (
            SELECT member_id, sumForEach(arrayMap((x, o) -> x * o, lift, arrayResize([orders], length(lift), orders))) AS sv
            FROM
            (
                SELECT member_id, a, orders FROM
                (
                    SELECT member_id, category, orders FROM {{history}}
                    WHERE cityHash64(member_id) % @chunks = @chunk
                ) AS h
                ANY LEFT JOIN (SELECT category, cid AS a FROM {{cats}}) AS c USING (category)
            ) AS ha
            ANY LEFT JOIN (SELECT a, lift FROM {{lift}}) AS lr USING (a)
            GROUP BY member_id
        )
    )
    ARRAY JOIN top AS t, arrayEnumerate(top) AS rank
) AS p
ANY LEFT JOIN (SELECT cid, category FROM {{cats}}) AS c USING (cid)

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
