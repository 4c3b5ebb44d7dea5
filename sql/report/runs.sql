-- runs: the latest job runs, newest first.
SELECT
    job,
    toString(as_of)  AS d,
    trigger,
    status,
    toFloat64(attempt) AS attempts,
    started_at,
    finished_at,
    toFloat64(duration_ms) AS duration_ms,
    toFloat64(rows_out) AS rows_written,
    error
FROM job_runs_current
ORDER BY started_at DESC
LIMIT @limit
