-- lifecycle: stage per member who joined by as_of, and the stage flow
-- since the previous as_of.
--
-- Stages, first match wins: prospect (no paid order up to as_of);
-- churned (days since the last paid order >= churned_days); sleeping
-- (>= sleeping_days); silent (>= silent_days); new (first paid order fewer
-- than new_days ago); loyal (at least loyal_min_orders paid orders); active.
-- The thresholds are configured or learned in models/lifecycle.go from the
-- gaps below (Kaplan-Meier with open gaps censored, smoothed across runs).

-- name: gaps
-- Gap lengths in whole business days with, per length, the completed gaps
-- (between consecutive distinct purchase days: events) and the open gaps
-- (from each buyer's last purchase day to as_of, when above 0: censored).
SELECT toFloat64(gap), toFloat64(sum(ev)), toFloat64(sum(ce))
FROM
(
    SELECT toInt64(arrayJoin(arrayFilter(g -> g > 0, arrayDifference(days)))) AS gap, toUInt8(1) AS ev, toUInt8(0) AS ce
    FROM
    (
        SELECT arraySort(groupUniqArray(toRelativeDayNum(toDate(ordered_at, @tz)))) AS days
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at < toDateTime(@as_of_end, 'UTC')
          AND member_id IN (SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
        GROUP BY member_id
    )
    UNION ALL
    SELECT toInt64(toRelativeDayNum(toDate(@as_of))) - toInt64(last_day) AS gap, toUInt8(0) AS ev, toUInt8(1) AS ce
    FROM
    (
        SELECT max(toRelativeDayNum(toDate(ordered_at, @tz))) AS last_day
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at < toDateTime(@as_of_end, 'UTC')
          AND member_id IN (SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
        GROUP BY member_id
    )
    WHERE toInt64(toRelativeDayNum(toDate(@as_of))) - toInt64(last_day) > 0
)
GROUP BY gap
ORDER BY gap

-- name: previous_thresholds
-- The thresholds published for the previous as_of (model_params).
SELECT name, value FROM model_params
WHERE model = 'lifecycle' AND as_of = toDate(@prev) AND name IN ('silent_days', 'sleeping_days', 'churned_days')

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, stage, previous_stage, paid_orders, days_since_first, days_since_last,
    dormant_days, silent_days, sleeping_days, churned_days, run_id)
SELECT
    toDate(@as_of), member_id,
    multiIf(paid_orders = 0, 'prospect',
            days_since_last >= @churned, 'churned',
            days_since_last >= @sleeping, 'sleeping',
            days_since_last >= @silent, 'silent',
            days_since_first < @new_days, 'new',
            paid_orders >= @loyal, 'loyal',
            'active'),
    previous_stage, paid_orders, days_since_first, days_since_last, @silent, @silent, @sleeping, @churned, @run_id
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

-- name: reactivation
-- Members silent, sleeping or churned at the previous as_of, and how many of
-- them bought again since (a purchase day after the previous as_of).
SELECT previous_stage, toFloat64(count()),
    toFloat64(countIf(days_since_last >= 0 AND days_since_last < toInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(@prev)))))
FROM lifecycle
WHERE as_of = toDate(@as_of) AND previous_stage IN ('silent', 'sleeping', 'churned')
GROUP BY previous_stage
