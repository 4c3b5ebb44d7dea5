-- kpi_clv (every as_of on or before the report's, for the trends): buyers, revenue per buyer, repurchase rate and mean predicted
-- CLV per as_of.
SELECT
    toString(as_of)                              AS d,
    toFloat64(count())                           AS buyers,
    toFloat64(sum(monetary)) / count()           AS arpu,
    toFloat64(countIf(frequency >= 1)) / count() AS repurchase,
    toFloat64(avg(clv))                          AS avg_clv
FROM clv
WHERE as_of <= toDate(@as_of)
GROUP BY as_of
