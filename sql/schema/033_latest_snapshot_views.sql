-- Every model table's <table>_latest view shows the newest complete
-- snapshot (max(as_of) of snapshots) and, of that date, only the rows of
-- the run the snapshot names for the table's model, not max(as_of) of
-- each table separately; so every _latest view shows the same date. With
-- no snapshot they are empty. Scalar subqueries only (no IN), so in
-- cluster mode the initiator resolves them before reading the shards.
-- clv, churn and potential come from migrations 040-042, which a fresh
-- database applies after this one: their CREATE TABLE statements are
-- repeated here verbatim (IF NOT EXISTS; applied migrations never change),
-- so their views can be created now and 040-042's CREATE VIEW IF NOT
-- EXISTS keep these.
CREATE TABLE IF NOT EXISTS clv
(
    as_of               Date    COMMENT 'Business date the values are for (inclusive, business time zone)',
    member_id           String  COMMENT 'Member key',
    frequency           UInt32  COMMENT 'Repeat purchases: distinct paid purchase days up to as_of, minus one',
    recency_days        UInt32  COMMENT 'Days from the first to the last purchase day (BG/NBD t_x)',
    age_days            UInt32  COMMENT 'Days from the first purchase day to as_of (BG/NBD T)',
    mean_repeat_value   Float64 COMMENT 'Mean paid value of the repeat purchase days (0 without repeat purchases)',
    monetary            Float64 COMMENT 'Total paid value up to as_of',
    p_alive             Float64 COMMENT 'Probability the member is still active (BG/NBD P(alive))',
    expected_purchases  Float64 COMMENT 'Expected purchase days over the horizon (models.clv.horizon_days)',
    expected_aov        Float64 COMMENT 'Expected value of a future purchase day (Gamma-Gamma conditional mean)',
    clv                 Float64 COMMENT 'Expected value over the horizon, discounted monthly at models.clv.annual_discount_rate',
    clv_decile          UInt8   COMMENT 'Decile of clv among members of this as_of: 10 = highest',
    spend_decile        UInt8   COMMENT 'Decile of monetary (past spend) among members of this as_of: 10 = highest',
    run_id              String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

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

CREATE TABLE IF NOT EXISTS potential
(
    as_of     Date    COMMENT 'Business date (inclusive, business time zone)',
    member_id String  COMMENT 'Member key',
    reason    String  COMMENT 'clv_above_spend (CLV decile at least models.potential.decile_gap above past-spend decile), engaged_low_spend (top engagement quartile, bottom spend half) or rising_value (order value and frequency up on the previous window)',
    score     Float64 COMMENT 'Strength of the reason: decile gap, engagement events, or order value growth ratio',
    run_id    String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (reason, member_id);

DROP TABLE IF EXISTS rfm_latest;
CREATE VIEW IF NOT EXISTS rfm_latest AS
SELECT * FROM rfm
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'rfm' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS cohorts_latest;
CREATE VIEW IF NOT EXISTS cohorts_latest AS
SELECT * FROM cohorts
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'cohorts' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS engagement_latest;
CREATE VIEW IF NOT EXISTS engagement_latest AS
SELECT * FROM engagement
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'engagement' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS lifecycle_latest;
CREATE VIEW IF NOT EXISTS lifecycle_latest AS
SELECT * FROM lifecycle
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'lifecycle' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS lifecycle_flow_latest;
CREATE VIEW IF NOT EXISTS lifecycle_flow_latest AS
SELECT * FROM lifecycle_flow
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'lifecycle' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS tiers_latest;
CREATE VIEW IF NOT EXISTS tiers_latest AS
SELECT * FROM tiers
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'tiers' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS tier_migration_latest;
CREATE VIEW IF NOT EXISTS tier_migration_latest AS
SELECT * FROM tier_migration
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'tiers' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS member_profile_latest;
CREATE VIEW IF NOT EXISTS member_profile_latest AS
SELECT * FROM member_profile
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'member_profile' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS segment_members_latest;
CREATE VIEW IF NOT EXISTS segment_members_latest AS
SELECT * FROM segment_members
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'member_profile' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS clv_latest;
CREATE VIEW IF NOT EXISTS clv_latest AS
SELECT * FROM clv
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'clv' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS churn_latest;
CREATE VIEW IF NOT EXISTS churn_latest AS
SELECT * FROM churn
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'churn' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS potential_latest;
CREATE VIEW IF NOT EXISTS potential_latest AS
SELECT * FROM potential
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'potential' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS model_metrics_latest;
CREATE VIEW IF NOT EXISTS model_metrics_latest AS
SELECT * FROM model_metrics
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND (model, run_id) IN (SELECT model, run_id FROM snapshots WHERE as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS model_params_latest;
CREATE VIEW IF NOT EXISTS model_params_latest AS
SELECT * FROM model_params
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND (model, run_id) IN (SELECT model, run_id FROM snapshots WHERE as_of = (SELECT max(as_of) FROM snapshots));
