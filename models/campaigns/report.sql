-- The campaigns section of the report (report.go).

-- name: results
-- the rows of campaign_results for the as_of, NULL statistics as nan
-- (comparison rows, undefined tests).
SELECT
    campaign_id, evidence, `group`, variant,
    toFloat64(members), conversion_rate, revenue_per_member,
    ifNull(conversion_uplift, nan), ifNull(conversion_ci_low, nan), ifNull(conversion_ci_high, nan), ifNull(conversion_p, nan),
    ifNull(rpm_uplift, nan), ifNull(rpm_p, nan), ifNull(incremental_revenue, nan), ifNull(roi, nan),
    toUInt8(srm_mismatch), toUInt8(window_complete)
FROM campaign_results
WHERE as_of = toDate(@as_of)
ORDER BY campaign_id, `group`, variant

-- name: funnel
-- the upgrade funnel rows for the as_of, NULL rates as nan.
SELECT
    campaign_id, `group`, step, toFloat64(members),
    ifNull(rate_of_flagged, nan), ifNull(rate_of_previous, nan), ifNull(uplift, nan), ifNull(uplift_p, nan)
FROM campaign_funnel
WHERE as_of = toDate(@as_of)
ORDER BY campaign_id, `group` DESC, step_no
