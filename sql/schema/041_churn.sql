-- churn: churn probability per member and as_of (model churn): the chance
-- that a member with a paid order on or before as_of places no paid order
-- in the next models.churn.horizon_days days. Validation figures (AUC,
-- baseline AUC, log loss, Brier, lift, calibration) are in model_metrics,
-- coefficients in model_params.
CREATE TABLE IF NOT EXISTS churn
(
    as_of             Date    COMMENT 'Business date the score is for (inclusive, business time zone)',
    member_id         String  COMMENT 'Member key',
    churn_probability Float64 COMMENT 'Probability of no paid order within the churn horizon after as_of',
    risk_band         String  COMMENT 'low, medium, high or critical (cut points models.churn.risk_bands)',
    driver_1          String  COMMENT 'Strongest reason for the score, in words (largest coefficient x standardised value)',
    driver_2          String  COMMENT 'Second reason for the score',
    driver_3          String  COMMENT 'Third reason for the score',
    recency_days      Float64 COMMENT 'Days from the last purchase day to as_of (the baseline score)',
    run_id            String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS churn_latest AS
SELECT * FROM churn WHERE as_of = (SELECT max(as_of) FROM churn);
