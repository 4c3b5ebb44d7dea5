-- kpi_reactivation (every as_of on or before the report's, for the trends): per as_of, the share of the previous run's sleeping and
-- churned members who bought again (lifecycle's reactivation metrics
-- pooled); no row when neither stage had members then.
SELECT d, hits / base
FROM
(
    SELECT
        toString(as_of) AS d,
        sumIf(value, metric IN ('reactivation_base_sleeping', 'reactivation_base_churned')) AS base,
        sumIf(value, metric = 'reactivation_base_sleeping') * sumIf(value, metric = 'reactivation_rate_sleeping')
            + sumIf(value, metric = 'reactivation_base_churned') * sumIf(value, metric = 'reactivation_rate_churned') AS hits
    FROM model_metrics
    WHERE model = 'lifecycle' AND as_of <= toDate(@as_of)
    GROUP BY as_of
)
WHERE base > 0
