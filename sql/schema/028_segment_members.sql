-- segment_members: membership of every named segment, one row per as_of,
-- family, segment and member; the table exports and BI filter on.
CREATE TABLE IF NOT EXISTS segment_members
(
    as_of     Date   COMMENT 'Business date the row is for (inclusive, business time zone)',
    family    String COMMENT 'Segment family: rfm_segment, value_layer, lifecycle_stage, tier, engagement, churn_risk_band',
    segment   String COMMENT 'Segment within the family (e.g. Champions, high, dormant, Gold, engaged_low_spend, critical)',
    member_id String COMMENT 'Member key',
    run_id    String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (family, segment, member_id);

CREATE VIEW IF NOT EXISTS segment_members_latest AS
SELECT * FROM segment_members WHERE as_of = (SELECT max(as_of) FROM segment_members);
