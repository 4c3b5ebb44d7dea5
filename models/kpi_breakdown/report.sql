-- The breakdown and contribution sections of the report (report.go).

-- name: breakdown
-- the kpi_breakdown rows of the as_of, then the kpi_contribution
-- rows as dimension 'top' (value = top_share; members = top_members,
-- member_share = top_share, revenue_per_member_index = ratio). NULL
-- ratios come back as nan.
SELECT dimension, value, basis,
    toFloat64(members), toFloat64(active_members), toFloat64(buyers), toFloat64(orders), toFloat64(revenue), toFloat64(discount),
    ifNull(aov, nan), ifNull(repurchase_rate, nan), ifNull(churn_risk_share, nan), ifNull(avg_clv, nan),
    ifNull(revenue_per_member, nan), ifNull(discount_per_member, nan), ifNull(discount_rate, nan),
    ifNull(member_share, nan), ifNull(revenue_share, nan), ifNull(revenue_per_member_index, nan)
FROM kpi_breakdown
WHERE as_of = toDate(@as_of)
UNION ALL
SELECT 'top', toString(top_share), 'member',
    toFloat64(top_members), nan, nan, nan, top_revenue, nan,
    nan, nan, nan, nan,
    ifNull(top_revenue_per_member, nan), nan, nan,
    top_share, ifNull(revenue_share, nan), ifNull(ratio, nan)
FROM kpi_contribution
WHERE as_of = toDate(@as_of)
