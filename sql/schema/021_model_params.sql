-- model_params: values a model run fitted or derived from the data
-- (quintile cut points, lifecycle gap thresholds, ...). Partitioned like
-- model_metrics.
CREATE TABLE IF NOT EXISTS model_params
(
    as_of  Date    COMMENT 'Business date the run is for (inclusive, business time zone)',
    model  String  COMMENT 'Model name',
    name   String  COMMENT 'Parameter name, snake_case',
    value  Float64 COMMENT 'Parameter value',
    run_id String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY (as_of, model)
ORDER BY (model, name);

CREATE VIEW IF NOT EXISTS model_params_latest AS
SELECT * FROM model_params WHERE as_of = (SELECT max(as_of) FROM model_params);
