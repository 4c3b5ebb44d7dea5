-- clv_latest, churn_latest and potential_latest read the newest complete
-- snapshot, as every other <table>_latest view does since 033 (see there);
-- they come here, after 040-042 create the tables.
DROP TABLE IF EXISTS clv_latest;
CREATE VIEW IF NOT EXISTS clv_latest AS
SELECT * FROM clv
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'clv' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS churn_latest;
CREATE VIEW IF NOT EXISTS churn_latest AS
SELECT * FROM churn
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'churn' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS potential_latest;
CREATE VIEW IF NOT EXISTS potential_latest AS
SELECT * FROM potential
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'potential' AND as_of = (SELECT max(as_of) FROM snapshots));
