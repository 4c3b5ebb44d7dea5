-- lifecycle: each member's stage, one row per member who joined by as_of;
-- lifecycle_flow: members moving between stages since the previous as_of.
CREATE TABLE IF NOT EXISTS lifecycle
(
    as_of              Date     COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id          String   COMMENT 'Member key',
    stage              String   COMMENT 'prospect (no paid order), new, active, loyal, dormant or churned; see the README for the rules',
    previous_stage     String   COMMENT 'Stage at the previous as_of in this table; empty when the member had no row then',
    paid_orders        UInt32   COMMENT 'Paid orders up to as_of',
    days_since_first   Int32    COMMENT 'Days from the business day of the first paid order to as_of; -1 without orders',
    days_since_last    Int32    COMMENT 'Days from the business day of the last paid order to as_of; -1 without orders',
    dormant_days       UInt32   COMMENT 'Threshold used: dormant at or above this many days since the last order',
    churned_days       UInt32   COMMENT 'Threshold used: churned at or above this many days since the last order',
    run_id             String   COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS lifecycle_latest AS
SELECT * FROM lifecycle WHERE as_of = (SELECT max(as_of) FROM lifecycle);

CREATE TABLE IF NOT EXISTS lifecycle_flow
(
    as_of          Date   COMMENT 'Business date of the later run',
    previous_as_of Date   COMMENT 'The as_of compared with: the latest earlier as_of in lifecycle (1970-01-01 when none)',
    from_stage     String COMMENT 'Stage at previous_as_of; none when the member had no row then',
    to_stage       String COMMENT 'Stage at as_of',
    members        UInt64 COMMENT 'Members who moved from from_stage to to_stage (from = to: stayed)',
    run_id         String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (from_stage, to_stage);

CREATE VIEW IF NOT EXISTS lifecycle_flow_latest AS
SELECT * FROM lifecycle_flow WHERE as_of = (SELECT max(as_of) FROM lifecycle_flow);
