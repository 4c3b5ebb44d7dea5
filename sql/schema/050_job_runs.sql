-- job_runs: the run history. ClickHouse has no UPDATE, so a run is written
-- again whenever its state changes (started, retried, finished) with a
-- higher version; ReplacingMergeTree keeps the latest row per run_id.
-- Read job_runs_current (FINAL) or use argMax(..., version).
CREATE TABLE IF NOT EXISTS job_runs
(
    run_id      String          COMMENT 'Run key: a random UUID; the retries of a run share it',
    batch_id    String          COMMENT 'Groups the runs started by one trigger (one pipeline run, one backfill date)',
    job         String          COMMENT 'Job name (stable snake_case, e.g. load_orders, rfm, export_segments, checks)',
    as_of       Date            COMMENT 'Business date the run computed',
    trigger     String          COMMENT 'What started it: schedule, manual or backfill',
    status      String          COMMENT 'running, succeeded, failed, cancelled, skipped or abandoned',
    attempt     UInt32          COMMENT 'Attempts made so far; 1 is the first try, retries add one',
    started_at  DateTime('UTC') COMMENT 'When the first attempt started (UTC)',
    finished_at DateTime('UTC') COMMENT 'When the run ended (UTC); 1970-01-01 00:00:00 while running',
    rows_in     UInt64          COMMENT 'Rows the job read (source rows for loads, input rows for models)',
    rows_out    UInt64          COMMENT 'Rows the job wrote (loaded, computed or exported)',
    error       String          COMMENT 'Last error, empty when it succeeded; prefixed by transient: or permanent:',
    checks      String          COMMENT 'JSON array of check results (name, status pass|warn|fail, failing rows, detail), [] when none',
    owner       String          COMMENT 'host:pid of the process that ran it, used to find abandoned runs',
    version     UInt64          COMMENT 'Row version (nanoseconds); the highest per run_id wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY run_id;

-- One row per run, the latest state.
CREATE VIEW IF NOT EXISTS job_runs_current AS SELECT * FROM job_runs FINAL;
