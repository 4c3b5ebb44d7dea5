-- kpi_lifecycle (every as_of on or before the report's, for the trends): members, active members and churned share per as_of.
SELECT
    toString(as_of)                                             AS d,
    toFloat64(count())                                          AS members,
    toFloat64(countIf(stage IN ('new', 'active', 'loyal')))     AS active,
    toFloat64(countIf(stage = 'churned'))                       AS churned,
    toFloat64(countIf(stage != 'prospect'))                     AS buyers
FROM lifecycle
WHERE as_of <= toDate(@as_of)
GROUP BY as_of
