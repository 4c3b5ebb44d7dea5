-- lifecycle: stage per member who joined by as_of, and the stage flow
-- since the previous as_of.
--
-- Stages, first match wins: prospect (no paid order up to as_of);
-- churned (days since the last paid order >= churned_days); dormant
-- (>= dormant_days); new (first paid order fewer than new_days ago);
-- loyal (at least loyal_min_orders paid orders); active.
-- Learned thresholds (when not set in config): the dormant_percentile and
-- churned_percentile (quantileExact: the sorted gap at index
-- floor(level x n)) of the gaps in whole business days between
-- consecutive distinct purchase days of every buyer, rounded up;
-- churned_days is at least dormant_days + 1. Without any gap the
-- fallbacks are 90 and 180 days.

-- name: gaps
-- The same as quantilesExact, whose levels must be literals (not bound values).
SELECT toFloat64(length(g)),
    [toFloat64(g[toUInt64(floor(@p_dormant * length(g))) + 1]), toFloat64(g[toUInt64(floor(@p_churned * length(g))) + 1])]
FROM
(
SELECT arraySort(groupArray(gap)) AS g
FROM
(
    SELECT arrayJoin(arrayFilter(g -> g > 0, arrayDifference(arraySort(groupUniqArray(toRelativeDayNum(toDate(ordered_at, @tz))))))) AS gap
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
      AND ordered_at < toDateTime(@as_of_end, 'UTC')
      AND member_id IN (SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
    GROUP BY member_id
)
)

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, stage, previous_stage, paid_orders, days_since_first, days_since_last,
    dormant_days, churned_days, run_id)
SELECT
    toDate(@as_of), member_id,
    multiIf(paid_orders = 0, 'prospect',
            days_since_last >= @churned, 'churned',
            days_since_last >= @dormant, 'dormant',
            days_since_first < @new_days, 'new',
            paid_orders >= @loyal, 'loyal',
            'active'),
    previous_stage, paid_orders, days_since_first, days_since_last, @dormant, @churned, @run_id
FROM
(
    SELECT member_id, paid_orders,
        if(paid_orders = 0, -1, toInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(first_at, @tz)))) AS days_since_first,
        if(paid_orders = 0, -1, toInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(last_at, @tz)))) AS days_since_last
    FROM
    (
        SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
    ) AS l1
    ANY LEFT JOIN
    (
        SELECT member_id, toUInt32(count()) AS paid_orders, min(ordered_at) AS first_at, max(ordered_at) AS last_at
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
        GROUP BY member_id
    ) AS r3 USING (member_id)
) AS l2
ANY LEFT JOIN
(
    SELECT member_id, stage AS previous_stage FROM lifecycle WHERE as_of = toDate(@prev)
) AS r4 USING (member_id)

-- name: flow
INSERT INTO {{stage}} (as_of, previous_as_of, from_stage, to_stage, members, run_id)
SELECT toDate(@as_of), if(toDate(@prev) = toDate('1970-01-01'), toDate(@as_of), toDate(@prev)), if(previous_stage = '', 'none', previous_stage), stage, count(), @run_id
FROM lifecycle
WHERE as_of = toDate(@as_of)
GROUP BY previous_stage, stage

-- name: counts
SELECT stage, toFloat64(count()) FROM lifecycle WHERE as_of = toDate(@as_of) GROUP BY stage
