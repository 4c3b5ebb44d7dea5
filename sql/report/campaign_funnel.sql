-- campaign_funnel: the upgrade funnel rows for the as_of
-- (models/campaigns), NULL rates as nan.
SELECT
    campaign_id, `group`, step, toFloat64(members),
    ifNull(rate_of_flagged, nan), ifNull(rate_of_previous, nan), ifNull(uplift, nan), ifNull(uplift_p, nan)
FROM campaign_funnel
WHERE as_of = toDate(@as_of)
ORDER BY campaign_id, `group` DESC, step_no
