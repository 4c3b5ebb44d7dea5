-- The engagement section of the report (report.go).

-- name: totals
-- per as_of (the report's and the previous one), members,
-- members with a session in 30 and 90 days, mean score, engaged
-- low spenders and the 90-day event totals by kind.
SELECT
    toString(as_of)                             AS d,
    toFloat64(count())                          AS members,
    toFloat64(countIf(sessions_30d > 0))        AS active_30d,
    toFloat64(countIf(sessions_90d > 0))        AS active_90d,
    toFloat64(avg(score))                       AS avg_score,
    toFloat64(countIf(engaged_low_spend = 1))   AS engaged_low_spend,
    toFloat64(sum(logins_90d))                  AS logins,
    toFloat64(sum(sessions_90d))                AS sessions,
    toFloat64(sum(campaign_opens_90d))          AS campaign_opens,
    toFloat64(sum(campaign_clicks_90d))         AS campaign_clicks,
    toFloat64(sum(reviews_90d))                 AS reviews,
    toFloat64(sum(shares_90d))                  AS shares,
    toFloat64(sum(referrals_90d))               AS referrals,
    toFloat64(sum(checkins_90d))                AS checkins,
    toFloat64(sum(nps_answers_90d))             AS nps_answers
FROM engagement
WHERE as_of IN (toDate(@as_of), toDate(@prev))
GROUP BY as_of

-- name: scores
-- members per tenth of the engagement score (0-100;
-- bin 9 holds 90 to 100) at the as_of.
SELECT
    toFloat64(least(intDiv(toUInt32(floor(greatest(score, 0))), 10), 9)) AS bin,
    toFloat64(count())                                                     AS members
FROM engagement
WHERE as_of = toDate(@as_of)
GROUP BY bin
