-- duration_ms: how long a run took, to the millisecond (started_at and
-- finished_at are whole seconds, so their difference cannot show a 0.09 s
-- run). The store writes it with every state; rows written before this
-- migration read it from the whole seconds. job_runs_current is recreated
-- because a view keeps the columns it was created with.
ALTER TABLE job_runs ADD COLUMN duration_ms UInt64 DEFAULT if(finished_at > started_at, (toUInt64(finished_at) - toUInt64(started_at)) * 1000, 0) COMMENT 'How long the run took in milliseconds, from its first start to its end; 0 while running' AFTER lease_seconds;
-- 18.16 drops the COMMENT of an ADD COLUMN; this sets it on every version.
ALTER TABLE job_runs COMMENT COLUMN duration_ms 'How long the run took in milliseconds, from its first start to its end; 0 while running';
DROP TABLE IF EXISTS job_runs_current; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS job_runs_current AS SELECT * FROM job_runs FINAL;
