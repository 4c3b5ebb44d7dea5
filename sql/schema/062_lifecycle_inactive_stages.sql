-- lifecycle: the inactive side is split into silent, sleeping and churned
-- (no more dormant), with thresholds learned with open gaps censored and
-- smoothed across runs (models/README.md). dormant_days stays for readers
-- that select it and now holds silent_days. lifecycle_latest is recreated
-- because a view keeps the columns it was created with.
ALTER TABLE lifecycle ADD COLUMN silent_days UInt32 DEFAULT 0 COMMENT 'Threshold used: silent at or above this many days since the last paid order' AFTER days_since_last;
ALTER TABLE lifecycle ADD COLUMN sleeping_days UInt32 DEFAULT 0 COMMENT 'Threshold used: sleeping at or above this many days since the last paid order' AFTER silent_days;
-- 18.16 drops the COMMENT of an ADD COLUMN; these set it on every version.
ALTER TABLE lifecycle COMMENT COLUMN silent_days 'Threshold used: silent at or above this many days since the last paid order';
ALTER TABLE lifecycle COMMENT COLUMN sleeping_days 'Threshold used: sleeping at or above this many days since the last paid order';
ALTER TABLE lifecycle COMMENT COLUMN churned_days 'Threshold used: churned at or above this many days since the last paid order';
ALTER TABLE lifecycle COMMENT COLUMN dormant_days 'Deprecated (migration 062): equal to silent_days; the dormant stage is now silent';
ALTER TABLE lifecycle COMMENT COLUMN stage 'prospect (no paid order), new, active, loyal, silent, sleeping or churned; see models/README.md for the rules';
DROP TABLE IF EXISTS lifecycle_latest; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS lifecycle_latest AS
SELECT * FROM lifecycle
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'lifecycle' AND as_of = (SELECT max(as_of) FROM snapshots));
