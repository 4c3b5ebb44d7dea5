-- model_runs: the latest outcome of each model for each as_of, with the
-- run ids of the dependency outputs it read. RunOne writes it (one
-- partition per as_of and model, replaced per run); a snapshot is
-- published from it (see snapshots).
CREATE TABLE IF NOT EXISTS model_runs
(
    as_of       Date            COMMENT 'Business date the run is for (inclusive, business time zone)',
    model       String          COMMENT 'Model name',
    run_id      String          COMMENT 'Run id of this run; its output rows carry it',
    status      String          COMMENT 'running, succeeded, skipped (a precondition did not hold: no output, reason says why) or failed',
    reason      String          COMMENT 'Why the run was skipped or failed; empty otherwise',
    dep_models  Array(String)   COMMENT 'The models whose outputs of the same as_of this run read (Deps)',
    dep_run_ids Array(String)   COMMENT 'Run id of each of dep_models that this run read, in the same order',
    started_at  DateTime('UTC') COMMENT 'When the run started (UTC)',
    finished_at DateTime('UTC') COMMENT 'When the run finished (UTC); equal to started_at while running'
)
ENGINE = MergeTree()
PARTITION BY (as_of, model)
ORDER BY model;
