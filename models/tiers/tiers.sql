-- tiers: membership level per member who joined by as_of.
--
-- Levels come from models.tiers.levels as arrays bound in order (index 1 =
-- entry level): @names, @min_spend, @min_orders, @min_points,
-- @min_engagement, @rule_all (1 = all used thresholds, 0 = any). A zero
-- threshold is not used. Figures: net paid spend, paid orders and points
-- earned (sum of points_earned values) in the rolling window, and the
-- engagement score of the same as_of (0 when engagement has not run).
-- The qualified level is the highest level whose rule holds; the entry
-- level always holds.
--
-- The rule (one, as documented): a level is held @review_days from the
-- day it was reached or last reviewed (last_qualified; review_date =
-- last_qualified + @review_days). Against the previous as_of:
--   qualified > held            -> up to qualified now, a new period starts
--   before the review date      -> held (whatever the figures say)
--   on or after the review date -> qualified >= held: renewed, a new period
--                                  starts; otherwise down to the qualified
--                                  level but at most @max_down levels, and a
--                                  new period starts.
-- With no previous row (the first run, or a new member) the level is the
-- higher of the qualified one and the member's source_tier (the version
-- valid at as_of, matched case-insensitively to @lower_names).

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, tier, tier_rank, previous_tier, movement, qualified_tier, last_qualified,
    review_date, spend_window, orders_window, points_window, engagement_score, next_tier, progress, spend_gap,
    near_upgrade, run_id)
SELECT
    toDate(@as_of), member_id, @names[rank + 1], toUInt8(rank), previous_tier,
    multiIf(has_prev = 0, 'new', rank > prev_rank, 'up', rank < prev_rank, 'down', 'same'),
    @names[q + 1], last_q, last_q + @review_days,
    spend, orders, points, engagement,
    -- nx (= rank + 2 below the top) is named outside a lambda here on purpose:
    -- ClickHouse 18.16 drops subquery columns used only inside lambdas.
    if(rank + 1 < length(@names), @names[nx], ''),
    prog,
    if(rank + 1 < length(@names) AND @min_spend[rank + 2] > 0, greatest(@min_spend[rank + 2] - spend, 0), 0),
    toUInt8(rank + 1 < length(@names) AND prog >= @near AND prog < 1),
    @run_id
FROM
(
    SELECT *,
        -- progress to the level above the one held: per used threshold the
        -- share reached (capped at 1); the best (any) or the worst (all).
        if(rank + 1 >= length(@names), 1,
            if(@rule_all[rank + 2] = 1,
                arrayReduce('min', arrayFilter(x -> x >= 0, ratios)),
                arrayReduce('max', arrayFilter(x -> x >= 0, ratios)))) AS prog
    FROM
    (
        SELECT *,
            -- ratios to the next level's thresholds (-1 = threshold not used)
            arrayMap(i -> multiIf(i = 1, if(@min_spend[nx] > 0, least(spend / @min_spend[nx], 1), -1),
                                  i = 2, if(@min_orders[nx] > 0, least(orders / @min_orders[nx], 1), -1),
                                  i = 3, if(@min_points[nx] > 0, least(points / @min_points[nx], 1), -1),
                                  if(@min_engagement[nx] > 0, least(engagement / @min_engagement[nx], 1), -1)),
                     [1, 2, 3, 4]) AS ratios
        FROM
        (
            SELECT *,
                toUInt8(length(@names) - indexOf(arrayReverse(quals), 1)) AS q,
                toInt32(indexOf(@lower_names, lower(source_tier))) - 1 AS seed,
                toDate(@as_of) >= prev_last + @review_days AS due,
                toUInt8(multiIf(has_prev = 0, greatest(toInt32(q), seed), q > prev_rank, toInt32(q), due = 0, toInt32(prev_rank),
                    q >= prev_rank, toInt32(prev_rank), greatest(toInt32(q), toInt32(prev_rank) - @max_down))) AS rank,
                if(has_prev = 1 AND q <= prev_rank AND due = 0, prev_last, toDate(@as_of)) AS last_q,
                toUInt32(least(rank + 2, length(@names))) AS nx
            FROM
            (
                SELECT *,
                    arrayMap(i -> if(i = 1, 1, if(@rule_all[i] = 1,
                        (@min_spend[i] = 0 OR spend >= @min_spend[i]) AND (@min_orders[i] = 0 OR orders >= @min_orders[i])
                            AND (@min_points[i] = 0 OR points >= @min_points[i]) AND (@min_engagement[i] = 0 OR engagement >= @min_engagement[i]),
                        (@min_spend[i] > 0 AND spend >= @min_spend[i]) OR (@min_orders[i] > 0 AND orders >= @min_orders[i])
                            OR (@min_points[i] > 0 AND points >= @min_points[i]) OR (@min_engagement[i] > 0 AND engagement >= @min_engagement[i]))),
                        arrayEnumerate(@names)) AS quals
                FROM
                (
                    SELECT * FROM
                    (
                        SELECT * FROM
                        (
                            SELECT * FROM
                            (
                                SELECT * FROM
                                (
                                    SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
                                ) AS l13
                                ANY LEFT JOIN
                                (
                                    -- the member version valid at as_of
                                    SELECT member_id, argMax(source_tier, updated_at) AS source_tier FROM members
                                    WHERE updated_at < toDateTime(@as_of_end, 'UTC')
                                      -- versions of published files only, as members_current (migration 090)
                                      AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
                                    GROUP BY member_id
                                ) AS r13 USING (member_id)
                            ) AS l1
                            ANY LEFT JOIN
                            (
                                SELECT member_id, toFloat64(sum(amount)) AS spend, toUInt32(count()) AS orders
                                FROM orders_current
                                WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at >= toDateTime(@window_start, 'UTC')
                                  AND ordered_at < toDateTime(@as_of_end, 'UTC')
                                GROUP BY member_id
                            ) AS r7 USING (member_id)
                        ) AS l2
                        ANY LEFT JOIN
                        (
                            SELECT member_id, sum(value) AS points
                            FROM events_current
                            WHERE event_type = 'points_earned' AND event_time >= toDateTime(@window_start, 'UTC')
                              AND event_time < toDateTime(@as_of_end, 'UTC')
                            GROUP BY member_id
                        ) AS r8 USING (member_id)
                    ) AS l3
                    ANY LEFT JOIN
                    (
                        SELECT member_id, score AS engagement FROM engagement WHERE as_of = toDate(@as_of) AND run_id = @dep_engagement
                    ) AS r9 USING (member_id)
                ) AS l4
                ANY LEFT JOIN
                (
                    SELECT member_id, tier AS previous_tier, tier_rank AS prev_rank, last_qualified AS prev_last, toUInt8(1) AS has_prev
                    FROM tiers WHERE as_of = toDate(@prev)
                ) AS r10 USING (member_id)
            )
        )
    )
)

-- name: migration
INSERT INTO {{stage}} (as_of, previous_as_of, from_tier, to_tier, members, run_id)
SELECT toDate(@as_of), if(toDate(@prev) = toDate('1970-01-01'), toDate(@as_of), toDate(@prev)), if(previous_tier = '', 'none', previous_tier), tier, count(), @run_id
FROM tiers
WHERE as_of = toDate(@as_of)
GROUP BY previous_tier, tier

-- name: per_tier
-- Repurchase (models/README.md): a second purchase day, here within the
-- rolling window; two orders on one business day are one purchase day.
SELECT tier, toFloat64(count()), avg(spend_window), avg(purchase_days >= 2), toFloat64(sum(near_upgrade))
FROM
(
    SELECT member_id, tier, spend_window, near_upgrade FROM tiers WHERE as_of = toDate(@as_of)
) AS l13
ANY LEFT JOIN
(
    SELECT member_id, uniqExact(toDate(ordered_at, @tz)) AS purchase_days
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at >= toDateTime(@window_start, 'UTC')
      AND ordered_at < toDateTime(@as_of_end, 'UTC')
    GROUP BY member_id
) AS r13 USING (member_id)
GROUP BY tier

-- name: conversion
-- upgrade_conversion_rate, the one definition (the report reads it): of
-- the members flagged near_upgrade at a run in (@conv_from, @conv_to] =
-- (D - 2C, D - C], C = models.tiers.conversion_days (their first flag
-- there, F), the share whose tier_rank is higher than at F at some run in
-- (F, F + C]. Every follow-up period has ended by D, so the rate does not
-- depend on how often runs happen, only on when.
SELECT toFloat64(count()), toFloat64(sum(up))
FROM
(
    SELECT member_id, max(as_of > flag_day AND as_of <= flag_day + @conversion_days AND tier_rank > flag_rank) AS up
    FROM
    (
        SELECT member_id, min(as_of) AS flag_day, argMin(tier_rank, as_of) AS flag_rank
        FROM tiers
        WHERE near_upgrade = 1 AND as_of > toDate(@conv_from) AND as_of <= toDate(@conv_to)
        GROUP BY member_id
    ) AS l5
    ALL INNER JOIN
    (
        SELECT member_id, as_of, tier_rank FROM tiers WHERE as_of > toDate(@conv_from) AND as_of <= toDate(@as_of)
    ) AS r11 USING (member_id)
    GROUP BY member_id
)

-- name: upgrade_effect
-- Upgraded members against near-upgrade members who did not move up, N =
-- models.tiers.retention_days, cohorts of (@ret_from, @ret_to] =
-- (D - 2N, D - N]:
--   treated: moved up at a run in the cohort window (ref = the first such run)
--   control: flagged near_upgrade at a run in the window (ref = the first
--            flag) with no move up in (@ret_from, ref + N]
-- Per member, paid orders (as of D) on business days in (ref - N, ref]
-- (before) and (ref, ref + N] (after). Per group: members, members with an
-- order after (retention), and for each change after - before of
-- frequency (orders), spend and AOV (only members with orders in both
-- periods): count, mean and sample variance. Go turns them into
-- difference-in-differences estimates with a 95% interval.
SELECT grp, toFloat64(count()), toFloat64(countIf(n_after > 0)),
    toFloat64(count()), avg(n_after - n_before), if(count() > 1, varSamp(n_after - n_before), 0),
    toFloat64(count()), avg(s_after - s_before), if(count() > 1, varSamp(s_after - s_before), 0),
    toFloat64(countIf(n_before > 0 AND n_after > 0)),
    if(countIf(n_before > 0 AND n_after > 0) > 0, avgIf(s_after / n_after - s_before / n_before, n_before > 0 AND n_after > 0), 0),
    if(countIf(n_before > 0 AND n_after > 0) > 1, varSampIf(s_after / n_after - s_before / n_before, n_before > 0 AND n_after > 0), 0)
FROM
(
    SELECT grp, member_id, ref,
        toFloat64(countIf(day > ref - @retention_days AND day <= ref)) AS n_before,
        toFloat64(countIf(day > ref AND day <= ref + @retention_days)) AS n_after,
        sumIf(amount, day > ref - @retention_days AND day <= ref) AS s_before,
        sumIf(amount, day > ref AND day <= ref + @retention_days) AS s_after
    FROM
    (
        SELECT 'treated' AS grp, member_id, min(as_of) AS ref
        FROM tiers
        WHERE movement = 'up' AND as_of > toDate(@ret_from) AND as_of <= toDate(@ret_to)
        GROUP BY member_id
        UNION ALL
        SELECT 'control' AS grp, member_id, ref
        FROM
        (
            SELECT member_id, min(as_of) AS ref
            FROM tiers
            WHERE near_upgrade = 1 AND as_of > toDate(@ret_from) AND as_of <= toDate(@ret_to)
            GROUP BY member_id
        ) AS l6
        ALL LEFT JOIN
        (
            SELECT member_id, as_of AS up_day FROM tiers
            WHERE movement = 'up' AND as_of > toDate(@ret_from) AND as_of <= toDate(@as_of)
        ) AS r12 USING (member_id)
        GROUP BY member_id, ref
        HAVING countIf(up_day > toDate(@ret_from) AND up_day <= ref + @retention_days) = 0
    ) AS l14
    ALL LEFT JOIN
    (
        SELECT member_id, toDate(ordered_at, @tz) AS day, toFloat64(amount) AS amount
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at >= toDateTime(@effect_start, 'UTC') AND ordered_at < toDateTime(@as_of_end, 'UTC')
    ) AS r14 USING (member_id)
    GROUP BY grp, member_id, ref
)
GROUP BY grp
