-- model_metrics: the figures each model run reports (KPIs, counts, run
-- time). Partitioned by (as_of, model) so a re-run of one model for one
-- as_of replaces exactly its own rows (ALTER ... REPLACE PARTITION).
CREATE TABLE IF NOT EXISTS model_metrics
(
    as_of  Date   COMMENT 'Business date the run is for (inclusive, business time zone)',
    model  String COMMENT 'Model name (rfm, cohorts, engagement, lifecycle, tiers, member_profile, ...)',
    metric String COMMENT 'Metric name, snake_case; rows_<table> and run_seconds are recorded for every model',
    value  Float64 COMMENT 'Metric value',
    run_id String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY (as_of, model)
ORDER BY (model, metric);

CREATE VIEW IF NOT EXISTS model_metrics_latest AS
SELECT * FROM model_metrics WHERE as_of = (SELECT max(as_of) FROM model_metrics);
