-- Rows loaded and rejected by kind, from the load_files ledger: every
-- attempt in its latest state (argMax on version, as the ledger is
-- rewritten on every state change), whichever process made it. Loaded rows
-- count from loaded attempts; rejected rows from every finished attempt
-- (a load refused for too many rejects rejected them too).
SELECT
    kind,
    sum(if(st = 'loaded', n_rows, 0))   AS loaded,
    sum(if(st != 'loading', n_rej, 0))  AS rejected
FROM
(
    SELECT
        any(kind)                  AS kind,
        argMax(status, version)    AS st,
        argMax(rows, version)      AS n_rows,
        argMax(rejected, version)  AS n_rej
    FROM load_files
    GROUP BY file_id, attempt_id
) AS attempts
GROUP BY kind
ORDER BY kind
