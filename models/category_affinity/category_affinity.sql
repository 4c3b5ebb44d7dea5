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
-- Over 2 GB of aggregation state (half the default 4 GiB per-query limit;
-- about 3.7 GiB at 1M members / 14M lines) spills to disk instead of
-- failing.
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1,
    max_bytes_before_external_group_by = 2000000000

-- name: pop_create
CREATE TABLE {{pop}} (level UInt8, category String, population_share Float64) ENGINE = Memory

-- name: pop_fill
-- population_share: the share of all members' orders (with lines) that
-- have a line in the category.
INSERT INTO {{pop}} (level, category, population_share)
SELECT level, category, sum(orders) / (SELECT sum(orders) FROM {{base}} WHERE level = 0)
FROM {{base}} WHERE level > 0 GROUP BY level, category

-- name: base_rows
SELECT count() FROM {{base}}

-- name: fill
-- The members with cityHash64(member_id) % @chunks = @chunk, grouped by
-- member (the only large GROUP BY; pop is the one JOIN, with a small
-- right side): each member's categories as arrays, then one row per
-- category. Run once per chunk so the arrays of one query stay bounded.
--
-- Shares of the member's level-0 totals; affinity_index = order_share /
-- population_share. The index reads orders, not spend: on generated data
-- spend shares recover the true top category less often (line prices
-- are noisy), see models/README.md.
--
-- The preferred category of a (member, level): among categories with at
-- least @min_orders orders, the largest affinity_index (compared rounded
-- to 9 decimals, so equal ratios of different fractions tie); ties go to
-- the larger spend_share, then the more recent last purchase, then the
-- category name in ascending order (ranked sorts by level first, the
-- first of each level is its preferred one; '' when none qualifies).
-- cross_sell_missing: for pair i with @pair_bought[i] = category,
-- @pair_never[i] when the member bought no line in it (any level) over
-- the window. Both pair lists start with a pair of empty names, which
-- matches no category, so they are never empty arrays (an empty literal
-- has no element type on ClickHouse 18.16).
-- Lambdas get the member's totals as arrays (arrayResize) rather than
-- capturing the column, as ClickHouse 18.16 needs.
INSERT INTO {{stage}} (as_of, member_id, level, category, orders, spend, member_orders, spend_share, order_share,
    last_purchase_at, days_since_last, population_share, affinity_index, is_preferred, cross_sell_missing, run_id)
SELECT toDate(@as_of), member_id, level, category, orders, spend, member_orders, spend_share, order_share,
    last_at, toUInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(last_at, @tz))),
    population_share, affinity_index, toUInt8(category = arrayElement(preferred, level)),
    arrayFilter((n, b, missing) -> missing = 1 AND b = category, @pair_never, @pair_bought, never_missing),
    @run_id
FROM
(
    SELECT member_id, member_orders, lv, cat, ords, sp, la, ps, ss, os, ai,
        [tupleElement(arrayFirst(x -> tupleElement(x, 1) = 1, ranked), 6),
         tupleElement(arrayFirst(x -> tupleElement(x, 1) = 2, ranked), 6),
         tupleElement(arrayFirst(x -> tupleElement(x, 1) = 3, ranked), 6)] AS preferred,
        arrayMap((x, b) -> toUInt8(NOT has(b, x)), @pair_never, arrayResize([cat], length(@pair_never), cat)) AS never_missing
    FROM
    (
        SELECT member_id, member_orders, lv, cat, ords, sp, la, ps, ss, os, ai,
            arraySort(x -> (tupleElement(x, 1), -tupleElement(x, 2), -tupleElement(x, 3), -toInt64(tupleElement(x, 4)), tupleElement(x, 6)),
                arrayFilter(x -> tupleElement(x, 5) >= @min_orders,
                    arrayMap((l, a, s, t, o, c) -> (l, round(a, 9), s, toUInt32(t), o, c), lv, ai, ss, la, ords, cat))) AS ranked
        FROM
        (
            SELECT member_id, member_orders, lv, cat, ords, sp, la, ps, ss, os,
                arrayMap((o, p) -> if(p > 0, o / p, 0), os, ps) AS ai
            FROM
            (
                SELECT member_id, member_orders, lv, cat, ords, sp, la, ps,
                    arrayMap((s, ms) -> if(ms > 0, toFloat64(s) / ms, 0), sp, arrayResize([member_spend], length(sp), member_spend)) AS ss,
                    arrayMap((o, mo) -> if(mo > 0, o / mo, 0), ords, arrayResize([member_orders], length(ords), member_orders)) AS os
                FROM
                (
                    SELECT member_id,
                        toUInt32(sumIf(orders, level = 0)) AS member_orders, toFloat64(sumIf(spend, level = 0)) AS member_spend,
                        groupArrayIf(level, level > 0) AS lv, groupArrayIf(category, level > 0) AS cat,
                        groupArrayIf(orders, level > 0) AS ords, groupArrayIf(spend, level > 0) AS sp,
                        groupArrayIf(last_at, level > 0) AS la, groupArrayIf(population_share, level > 0) AS ps
                    FROM
                    (
                        SELECT member_id, level, category, orders, spend, last_at FROM {{base}}
                        WHERE cityHash64(member_id) % @chunks = @chunk
                    ) AS b
                    ANY LEFT JOIN (SELECT level, category, population_share FROM {{pop}}) AS p USING (level, category)
                    GROUP BY member_id
                )
            )
        )
    )
)
ARRAY JOIN lv AS level, cat AS category, ords AS orders, sp AS spend, la AS last_at, ps AS population_share,
    ss AS spend_share, os AS order_share, ai AS affinity_index

-- name: summary
SELECT toFloat64(uniqExact(member_id)), toFloat64(countIf(is_preferred = 1 AND level = 1)),
    toFloat64(countIf(is_preferred = 1 AND level = 3)), toFloat64(countIf(length(cross_sell_missing) > 0))
FROM {{stage}}
