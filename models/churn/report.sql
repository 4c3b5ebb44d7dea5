-- The churn section of the report (report.go).

-- name: bands
-- members per risk band now and at the previous as_of, and
-- members per tenth of churn probability now (scored buyers: lapsed ones
-- have no probability of their own).
SELECT
    'band'                                         AS kind,
    risk_band                                      AS key,
    toFloat64(countIf(as_of = toDate(@as_of)))     AS members,
    toFloat64(countIf(as_of = toDate(@prev)))      AS members_prev
FROM churn
WHERE as_of IN (toDate(@as_of), toDate(@prev))
GROUP BY risk_band
UNION ALL
SELECT
    'bin'                                                 AS kind,
    toString(least(toUInt8(floor(churn_probability * 10)), 9)) AS key,
    toFloat64(count())                                    AS members,
    toFloat64(0)                                          AS members_prev
FROM churn
WHERE as_of = toDate(@as_of) AND risk_band != 'lapsed'
GROUP BY key
