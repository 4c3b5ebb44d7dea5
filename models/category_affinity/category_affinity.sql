-- category_affinity: per member, category level and category, the spend
-- and orders over the window, their shares, recency, the affinity index,
-- the preferred category of each level and cross-sell gaps.
--
-- Lines: order_items joined to the member's paid orders (paid as of the
-- cut-off, as every model reads orders) in [@window_start, @as_of_end).
-- Each line counts at three levels, its category path cut after 1, 2 and
-- 3 parts, plus level 0 (category '') that holds the member's totals.
-- Lines without a category count only in level 0.

-- name: base_create
CREATE TABLE {{base}}
(
    member_id String,
    level     UInt8,
    category  String,
    orders    UInt32,
    spend     Decimal(18, 2),
    last_at   DateTime('UTC')
) ENGINE = Memory

-- name: base_fill
-- Shard-local in cluster mode (docs/cluster.md): order_items and orders
-- are co-sharded by member, distributed_product_mode = 'local' makes each
-- shard join its own orders, distributed_group_by_no_merge = 1 returns
-- each shard's groups as they are (every member is on one shard).
-- Orders are joined and counted by cityHash64(order_id): UInt64 keys
-- halve the join's time against String ones, and two of 10 million
-- orders share a hash with probability about 3e-6. An order counts once
-- per category however many lines it has there (uniqExact).
INSERT INTO {{base}} (member_id, level, category, orders, spend, last_at)
SELECT member_id, c.1 AS level, c.2 AS category, toUInt32(uniqExact(oh)), sum(amount), max(ordered_at)
FROM
(
    SELECT member_id, oh, amount, category_l1, category_l2, category_l3, ordered_at
    FROM
    (
        SELECT member_id, cityHash64(order_id) AS oh, amount, category_l1, category_l2, category_l3
        FROM order_items FINAL
        WHERE member_id != ''
          -- Published files only, as the _current views (migration 090).
          AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
    ) AS i
    ALL INNER JOIN
    (
        SELECT cityHash64(order_id) AS oh, ordered_at FROM orders FINAL
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          -- Published files only, as the _current views (migration 090).
          AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
          AND ordered_at < toDateTime(@as_of_end, 'UTC') AND ordered_at >= toDateTime(@window_start, 'UTC')
    ) AS o USING (oh)
)
ARRAY JOIN arrayFilter(x -> x.1 = 0 OR x.2 != '',
    [(toUInt8(0), ''),
     (toUInt8(1), category_l1),
     (toUInt8(2), if(category_l2 = '', '', concat(category_l1, '/', category_l2))),
     (toUInt8(3), if(category_l3 = '', '', concat(category_l1, '/', category_l2, '/', category_l3)))]) AS c
GROUP BY member_id, level, category
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1

-- name: scored_create
CREATE TABLE {{scored}}
(
    member_id        String,
    level            UInt8,
    category         String,
    orders           UInt32,
    spend            Decimal(18, 2),
    member_orders    UInt32,
    spend_share      Float64,
    order_share      Float64,
    last_at          DateTime('UTC'),
    population_share Float64,
    affinity_index   Float64
) ENGINE = Memory

-- name: scored_fill
-- Shares of the member's level-0 totals. population_share is the share of
-- all members' orders (with lines) that have a line in the category;
-- affinity_index = order_share / population_share. The index reads orders,
-- not spend: on generated data spend shares recover the true top category
-- less often (line prices are noisy), see models/README.md.
INSERT INTO {{scored}} (member_id, level, category, orders, spend, member_orders, spend_share, order_share, last_at,
    population_share, affinity_index)
SELECT member_id, level, category, orders, spend, member_orders,
    if(member_spend > 0, toFloat64(spend) / member_spend, 0),
    if(member_orders > 0, orders / member_orders, 0) AS o_share,
    last_at, pop_share,
    if(pop_share > 0, o_share / pop_share, 0)
FROM
(
    SELECT * FROM
    (
        SELECT member_id, level, category, orders, spend, last_at FROM {{base}} WHERE level > 0
    ) AS b
    ANY LEFT JOIN
    (
        SELECT member_id, orders AS member_orders, toFloat64(spend) AS member_spend FROM {{base}} WHERE level = 0
    ) AS t USING (member_id)
) AS bt
ANY LEFT JOIN
(
    SELECT level, category, sum(orders) / (SELECT sum(orders) FROM {{base}} WHERE level = 0) AS pop_share
    FROM {{base}} WHERE level > 0 GROUP BY level, category
) AS p USING (level, category)

-- name: fill
-- The preferred category of a (member, level): among categories with at
-- least @min_orders orders, the largest affinity_index (compared rounded
-- to 9 decimals, so equal ratios of different fractions tie); ties go to
-- the larger spend_share, then the more recent last purchase, then the
-- category name in ascending order. cross_sell_missing: for pair i with @pair_bought[i] =
-- category, @pair_never[i] when the member bought no line in it
-- (any level) over the window. Both pair lists start with a pair of
-- empty names, which matches no category, so they are never empty
-- arrays (an empty literal has no element type on ClickHouse 18.16).
-- The lambdas take every array they read as an argument: ClickHouse 18.16
-- cannot find a column a lambda captures inside a JOIN's subquery.
INSERT INTO {{stage}} (as_of, member_id, level, category, orders, spend, member_orders, spend_share, order_share,
    last_purchase_at, days_since_last, population_share, affinity_index, is_preferred, cross_sell_missing, run_id)
SELECT toDate(@as_of), member_id, level, category, orders, spend, member_orders, spend_share, order_share,
    last_at, toUInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(last_at, @tz))),
    population_share, affinity_index, toUInt8(category = preferred),
    arrayFilter((n, b, missing) -> missing = 1 AND b = category, @pair_never, @pair_bought, never_missing),
    @run_id
FROM
(
    SELECT * FROM
    (
        SELECT * FROM {{scored}}
    ) AS s
    ANY LEFT JOIN
    (
        SELECT member_id, level,
            tupleElement(arrayElement(arraySort(x -> (-x.1, -x.2, -toInt64(x.3), x.4),
                groupArrayIf((round(affinity_index, 9), spend_share, toUInt32(last_at), category), orders >= @min_orders)), 1), 4) AS preferred
        FROM {{scored}}
        GROUP BY member_id, level
    ) AS p USING (member_id, level)
) AS sp
ANY LEFT JOIN
(
    SELECT member_id, arrayMap((x, b) -> toUInt8(NOT has(b, x)), @pair_never, arrayResize([bought], length(@pair_never), bought)) AS never_missing
    FROM (SELECT member_id, groupArray(category) AS bought FROM {{scored}} GROUP BY member_id)
) AS b USING (member_id)

-- name: summary
SELECT toFloat64(uniqExact(member_id)), toFloat64(countIf(is_preferred = 1 AND level = 1)),
    toFloat64(countIf(is_preferred = 1 AND level = 3)), toFloat64(countIf(length(cross_sell_missing) > 0))
FROM {{stage}}
