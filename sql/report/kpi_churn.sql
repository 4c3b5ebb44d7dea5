-- kpi_churn (every as_of on or before the report's, for the trends): mean predicted churn probability per as_of, of scored
-- buyers (lapsed buyers are not scored).
SELECT
    toString(as_of)                    AS d,
    toFloat64(avg(churn_probability))  AS churn
FROM churn
WHERE as_of <= toDate(@as_of) AND risk_band != 'lapsed'
GROUP BY as_of
