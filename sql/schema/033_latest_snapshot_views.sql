-- Every model table's <table>_latest view shows the newest complete
-- snapshot (max(as_of) of snapshots) and, of that date, only the rows of
-- the run the snapshot names for the table's model, not max(as_of) of
-- each table separately; so every _latest view shows the same date. With
-- no snapshot they are empty. Scalar subqueries only (no IN), so in
-- cluster mode the initiator resolves them before reading the shards.
-- The views of clv, churn and potential follow in 043, after the
-- migrations 040-042 that create those tables.
DROP TABLE IF EXISTS rfm_latest;
CREATE VIEW IF NOT EXISTS rfm_latest AS
SELECT * FROM rfm
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'rfm' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS cohorts_latest;
CREATE VIEW IF NOT EXISTS cohorts_latest AS
SELECT * FROM cohorts
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'cohorts' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS engagement_latest;
CREATE VIEW IF NOT EXISTS engagement_latest AS
SELECT * FROM engagement
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'engagement' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS lifecycle_latest;
CREATE VIEW IF NOT EXISTS lifecycle_latest AS
SELECT * FROM lifecycle
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'lifecycle' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS lifecycle_flow_latest;
CREATE VIEW IF NOT EXISTS lifecycle_flow_latest AS
SELECT * FROM lifecycle_flow
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'lifecycle' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS tiers_latest;
CREATE VIEW IF NOT EXISTS tiers_latest AS
SELECT * FROM tiers
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'tiers' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS tier_migration_latest;
CREATE VIEW IF NOT EXISTS tier_migration_latest AS
SELECT * FROM tier_migration
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'tiers' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS member_profile_latest;
CREATE VIEW IF NOT EXISTS member_profile_latest AS
SELECT * FROM member_profile
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'member_profile' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS segment_members_latest;
CREATE VIEW IF NOT EXISTS segment_members_latest AS
SELECT * FROM segment_members
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'member_profile' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS model_metrics_latest;
CREATE VIEW IF NOT EXISTS model_metrics_latest AS
SELECT * FROM model_metrics
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND (model, run_id) IN (SELECT model, run_id FROM snapshots WHERE as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS model_params_latest;
CREATE VIEW IF NOT EXISTS model_params_latest AS
SELECT * FROM model_params
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND (model, run_id) IN (SELECT model, run_id FROM snapshots WHERE as_of = (SELECT max(as_of) FROM snapshots));
