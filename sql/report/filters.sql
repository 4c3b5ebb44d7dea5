-- filters: member_profile figures at the as_of per region, channel and
-- tier (the report sums them into each dimension's slices): members,
-- active members (stage new/active/loyal), buyers (a paid order in the
-- RFM window), spend in the RFM window, and the sums and counts behind
-- the mean predicted CLV and churn probability (NULL = not scored).
SELECT
    region,
    channel,
    tier,
    toFloat64(count())                                              AS members,
    toFloat64(countIf(lifecycle_stage IN ('new', 'active', 'loyal'))) AS active,
    toFloat64(countIf(frequency > 0))                               AS buyers,
    toFloat64(sum(monetary))                                        AS spend,
    toFloat64(sumIf(assumeNotNull(clv), isNotNull(clv)))             AS clv_sum,
    toFloat64(countIf(isNotNull(clv)))                              AS clv_n,
    toFloat64(sumIf(assumeNotNull(churn_probability), isNotNull(churn_probability))) AS churn_sum,
    toFloat64(countIf(isNotNull(churn_probability)))                AS churn_n
FROM member_profile
WHERE as_of = toDate(@as_of)
GROUP BY region, channel, tier
