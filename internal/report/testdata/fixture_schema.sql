-- Model output tables for the report's tests, as the model branches define
-- them (clv, churn, potential, model_metrics, job_runs) or, for tables not
-- landed when this was written (rfm, cohorts, lifecycle, tiers), with the
-- columns the report reads. IF NOT EXISTS: a landed migration wins.
CREATE TABLE IF NOT EXISTS model_metrics (as_of Date, model String, metric String, value Float64, run_id String) ENGINE = MergeTree() PARTITION BY (as_of, model) ORDER BY (model, metric);
CREATE TABLE IF NOT EXISTS clv (as_of Date, member_id String, frequency UInt32, recency_days UInt32, age_days UInt32, mean_repeat_value Float64, monetary Float64, p_alive Float64, expected_purchases Float64, expected_aov Float64, clv Float64, clv_decile UInt8, spend_decile UInt8, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
CREATE TABLE IF NOT EXISTS churn (as_of Date, member_id String, churn_probability Float64, risk_band String, driver_1 String, driver_2 String, driver_3 String, recency_days Float64, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
CREATE TABLE IF NOT EXISTS potential (as_of Date, member_id String, reason String, score Float64, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY (reason, member_id);
CREATE TABLE IF NOT EXISTS rfm (as_of Date, member_id String, recency_days UInt32, frequency UInt32, monetary Float64, r_score UInt8, f_score UInt8, m_score UInt8, segment String, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
CREATE TABLE IF NOT EXISTS cohorts (as_of Date, cohort Date, period UInt16, cohort_size UInt64, active_members UInt64, revenue Float64, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY (cohort, period);
CREATE TABLE IF NOT EXISTS lifecycle (as_of Date, member_id String, stage String, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
CREATE TABLE IF NOT EXISTS tiers (as_of Date, member_id String, tier String, tier_level UInt8, run_id String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
CREATE TABLE IF NOT EXISTS job_runs (run_id String, batch_id String, job String, as_of Date, trigger String, status String, attempt UInt32, started_at DateTime('UTC'), finished_at DateTime('UTC'), rows_in UInt64, rows_out UInt64, error String, checks String, owner String, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY run_id;
CREATE VIEW IF NOT EXISTS job_runs_current AS SELECT * FROM job_runs FINAL;
