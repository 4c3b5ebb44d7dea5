-- Heartbeats: while a run is running its runner rewrites its row every
-- heartbeat interval with a fresh heartbeat_at; a running run whose
-- heartbeat is older than its lease_seconds is dead (process or server
-- connection gone, outcome lost) and any sweep marks it abandoned. Rows
-- written before this migration read lease_seconds 0: judged as before,
-- by the owner's pid or jobs.abandon_after. job_runs_current is recreated
-- because a view keeps the columns it was created with.
ALTER TABLE job_runs ADD COLUMN heartbeat_at DateTime('UTC') DEFAULT started_at COMMENT 'When the runner last said the run is alive (UTC); rewritten every heartbeat interval while running' AFTER owner;
-- 18.16 drops the COMMENT of an ADD COLUMN; this sets it on every version.
ALTER TABLE job_runs COMMENT COLUMN heartbeat_at 'When the runner last said the run is alive (UTC); rewritten every heartbeat interval while running';
ALTER TABLE job_runs ADD COLUMN lease_seconds UInt32 DEFAULT 0 COMMENT 'Seconds after heartbeat_at a running run counts as dead and is marked abandoned; 0 for runs recorded before heartbeats' AFTER heartbeat_at;
ALTER TABLE job_runs COMMENT COLUMN lease_seconds 'Seconds after heartbeat_at a running run counts as dead and is marked abandoned; 0 for runs recorded before heartbeats';
DROP TABLE IF EXISTS job_runs_current; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS job_runs_current AS SELECT * FROM job_runs FINAL;
