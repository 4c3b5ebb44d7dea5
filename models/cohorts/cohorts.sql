-- cohorts: retention cells per cohort and period since the cohort period.
--
-- A member belongs to the cohort of the business-time-zone month (or
-- Monday-started week) of their first paid order (models.cohorts.by:
-- first_order) or of joined_at (join). Only members who joined by the end
-- of as_of count; in join mode orders before the join period are ignored.
-- Periods run from 0 (the cohort period) to the period containing as_of,
-- so the last period of each cohort is partial. A repeat member has a
-- second purchase day (the repurchase definition of models/README.md: two
-- orders on one business day are one purchase day), counted from the
-- cohort period on: in join mode purchase days before the join period are
-- ignored here as they are for active members and revenue.

-- name: base_create
CREATE TABLE {{scratch}}
(
    member_id  String,
    cohort_day Date,
    days       Array(Date)
) ENGINE = Memory

-- name: base_fill_first_order
-- Shard-local in cluster mode (docs/cluster.md): the outer FROM is the
-- raw table with FINAL (the same rows as the _current view), so the whole
-- per-member GROUP BY runs on every shard; distributed_product_mode =
-- 'local' reads the co-sharded members table on each shard for the IN,
-- distributed_group_by_no_merge = 1 returns each shard's groups as they
-- are (every member is on one shard). Both settings change nothing on one
-- server. They are in a SETTINGS clause: the string setting cannot travel
-- over 18.16's protocol.
-- days: the member's distinct purchase days (business time zone), sorted.
INSERT INTO {{scratch}} (member_id, cohort_day, days)
SELECT
    member_id,
    toDate(min(ordered_at), @tz),
    arraySort(groupUniqArray(toDate(ordered_at, @tz)))
FROM orders FINAL
WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
  AND ordered_at < toDateTime(@as_of_end, 'UTC')
  AND member_id IN (SELECT member_id FROM members FINAL WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
  -- Members of published files only, as members_current (migration 090).
  -- The members of unpublished files are found on the initiator (GLOBAL:
  -- the ledger is a home table, a shard cannot read it) and shipped to the
  -- shards; the set is empty unless a load is in flight or was cut short.
  AND member_id GLOBAL NOT IN (SELECT member_id FROM members FINAL
      WHERE file_id GLOBAL IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0))
  -- Published files only, as orders_current (migration 090).
  AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
GROUP BY member_id
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1

-- name: base_fill_join
INSERT INTO {{scratch}} (member_id, cohort_day, days)
SELECT member_id, toDate(joined_at, @tz), days
FROM
(
    SELECT member_id, joined_at FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
) AS l1
ANY LEFT JOIN
(
    SELECT
        member_id,
        arraySort(groupUniqArray(toDate(ordered_at, @tz))) AS days
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
    GROUP BY member_id
) AS r4 USING (member_id)

-- name: fill
-- @pt is month or week. Period key: months or weeks since a fixed origin.
INSERT INTO {{stage}} (as_of, cohort_by, period_type, cohort, period, period_start, cohort_size,
    active_members, retention_rate, revenue, revenue_retention, repeat_members, cumulative_repeat_rate, run_id)
SELECT
    toDate(@as_of), @by, @pt, cohort, period,
    if(@pt = 'week', cohort + 7 * period, addMonths(cohort, period)),
    cohort_size, active, active / cohort_size,
    revenue,
    if(revenue0 > 0, toFloat64(revenue) / toFloat64(revenue0), 0),
    repeat, repeat / cohort_size,
    @run_id
FROM
(
    SELECT
        cohort, period, cohort_size,
        arrayCount(x -> x <= period, second_periods) AS repeat,
        toUInt64(actives[indexOf(ps, period)]) AS active,
        revs[indexOf(ps, period)] AS revenue,
        revs[indexOf(ps, toUInt32(0))] AS revenue0
    FROM
    (
        SELECT cohort, cohort_size, second_periods, toUInt32(arrayJoin(range(toUInt64(maxp + 1)))) AS period
        FROM
        (
            SELECT
                if(@pt = 'week', toMonday(cohort_day), toStartOfMonth(cohort_day)) AS cohort,
                count() AS cohort_size,
                -- the period of the second purchase day at or after the cohort period
                groupArrayIf(toUInt32(ps[2]), length(ps) >= 2) AS second_periods,
                any(if(@pt = 'week', toRelativeWeekNum(toDate(@as_of)), toRelativeMonthNum(toDate(@as_of)))
                    - if(@pt = 'week', toRelativeWeekNum(cohort_day), toRelativeMonthNum(cohort_day))) AS maxp
            FROM
            (
                -- ps: periods of the purchase days since the cohort period (>= 0), ascending
                SELECT cohort_day, arrayFilter(x -> x >= 0, arrayMap(d -> toInt64(if(@pt = 'week', toRelativeWeekNum(d), toRelativeMonthNum(d)))
                    - toInt64(if(@pt = 'week', toRelativeWeekNum(cohort_day), toRelativeMonthNum(cohort_day))), days)) AS ps
                FROM {{scratch}}
            )
            GROUP BY cohort
        )
    ) AS l2
    ANY LEFT JOIN
    (
        SELECT cohort, groupArray(period) AS ps, groupArray(active) AS actives, groupArray(revenue) AS revs
        FROM
        (
            -- toDecimal64: groupArray of a Decimal128 (a plain sum) crashes ClickHouse 18.16
            SELECT cohort, period, uniqExact(member_id) AS active, toDecimal64(sum(amount), 2) AS revenue
            FROM
            (
                SELECT member_id, amount, opk - cpk AS period, cohort
                FROM
                (
                    SELECT member_id, amount,
                        if(@pt = 'week', toRelativeWeekNum(toDate(ordered_at, @tz)), toRelativeMonthNum(toDate(ordered_at, @tz))) AS opk
                    FROM orders_current
                    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
                ) AS l3
                ALL INNER JOIN
                (
                    SELECT member_id,
                        if(@pt = 'week', toMonday(cohort_day), toStartOfMonth(cohort_day)) AS cohort,
                        if(@pt = 'week', toRelativeWeekNum(cohort_day), toRelativeMonthNum(cohort_day)) AS cpk
                    FROM {{scratch}}
                ) AS r5 USING (member_id)
                WHERE opk >= cpk
            )
            GROUP BY cohort, period
        )
        GROUP BY cohort
    ) AS r6 USING (cohort)
)
