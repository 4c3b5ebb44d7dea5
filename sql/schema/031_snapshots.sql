-- snapshots: per as_of, the published snapshot: the run of every
-- registered model whose outputs make up that date. A partition is
-- written whole when the last model of the set finishes and every output
-- is consistent (each model read its dependencies' current runs), and
-- dropped when any model of the date re-runs. The _latest views and
-- exports read only dates and runs listed here.
CREATE TABLE IF NOT EXISTS snapshots
(
    as_of        Date            COMMENT 'Business date of the snapshot',
    model        String          COMMENT 'Model whose output is part of the snapshot',
    run_id       String          COMMENT 'Run of model the snapshot consists of (rows with this run_id)',
    status       String          COMMENT 'succeeded, or skipped (the model has no output for the date; its member_profile columns are NULL)',
    published_at DateTime('UTC') COMMENT 'When the snapshot was published (UTC)'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY model;
