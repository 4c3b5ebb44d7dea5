-- kpi_churn: mean predicted churn probability per as_of, of scored
-- buyers (lapsed buyers are not scored).
SELECT
    toString(as_of)                    AS d,
    toFloat64(avg(churn_probability))  AS churn
FROM churn
WHERE as_of IN (toDate(@as_of), toDate(@prev)) AND risk_band != 'lapsed'
GROUP BY as_of
