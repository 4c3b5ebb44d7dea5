-- Each job's last success, from job_runs: the newest finished_at of the
-- runs whose latest state is succeeded, whichever process ran them.
SELECT
    job,
    max(finished) AS last_success
FROM
(
    SELECT
        any(job)                     AS job,
        argMax(status, version)      AS st,
        argMax(finished_at, version) AS finished
    FROM job_runs
    GROUP BY run_id
) AS runs
WHERE st = 'succeeded'
GROUP BY job
ORDER BY job
