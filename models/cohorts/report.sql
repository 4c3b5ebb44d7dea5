-- The cohorts section of the report (report.go).

-- name: cohorts
-- cohort size, active members and revenue per monthly cohort and
-- month since the cohort started.
SELECT
    toString(cohort)         AS cohort_start,
    toFloat64(period)        AS period_n,
    toFloat64(cohort_size)   AS size,
    toFloat64(active_members) AS active,
    toFloat64(revenue)       AS revenue_f
FROM cohorts
WHERE as_of = toDate(@as_of) AND period_type = 'month'
ORDER BY cohort, period
