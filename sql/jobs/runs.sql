-- The run history, one row per run in its latest state. job_runs is a
-- ReplacingMergeTree rewritten on every state change; argMax(..., version)
-- picks the latest state without relying on FINAL, and the status filter
-- sits in HAVING so it sees the latest state only (a WHERE on status could
-- match an older version of the row). job, as_of and batch_id never change
-- within a run, so they may be filtered in WHERE. An empty @from or @to
-- leaves that end open (toDate('') fails on 18.16 even where unused, hence
-- the if); a run recorded with an as_of past 2105 is listed too.
SELECT
    run_id,
    any(batch_id)                AS r_batch_id,
    any(job)                     AS r_job,
    any(as_of)                   AS r_as_of,
    any(trigger)                 AS r_trigger,
    argMax(status, version)      AS r_status,
    argMax(attempt, version)     AS r_attempt,
    min(started_at)              AS r_started_at,
    argMax(finished_at, version) AS r_finished_at,
    argMax(rows_in, version)     AS r_rows_in,
    argMax(rows_out, version)    AS r_rows_out,
    argMax(error, version)       AS r_error,
    argMax(checks, version)      AS r_checks,
    any(owner)                   AS r_owner,
    argMax(heartbeat_at, version) AS r_heartbeat_at,
    argMax(lease_seconds, version) AS r_lease_seconds,
    argMax(duration_ms, version) AS r_duration_ms,
    min(version)                 AS r_created
FROM job_runs
WHERE (@job = '' OR job = @job)
  AND (@run_id = '' OR run_id = @run_id)
  AND (@batch_id = '' OR batch_id = @batch_id)
  AND (@from = '' OR as_of >= toDate(if(@from = '', '1970-01-01', @from)))
  AND (@to = '' OR as_of <= toDate(if(@to = '', '1970-01-01', @to)))
GROUP BY run_id
HAVING (@status = '' OR r_status = @status)
ORDER BY r_started_at DESC, r_created DESC
LIMIT @limit
