-- members: one row per member version. A member re-sent with a later
-- updated_at replaces the earlier version (ReplacingMergeTree on member_id);
-- read members_current for one row per member. Unpartitioned on purpose:
-- FINAL deduplicates only within a partition, and loaders publish a whole
-- file at once with ATTACH PARTITION tuple() FROM a staging table.
CREATE TABLE IF NOT EXISTS members
(
    member_id   String                COMMENT 'Member key in the source system',
    joined_at   DateTime('UTC')       COMMENT 'When the member joined the programme (UTC)',
    birthday    Nullable(Date)        COMMENT 'Date of birth, NULL when unknown',
    gender      String                COMMENT 'Gender as given by the source, empty when unknown',
    region      String                COMMENT 'Region or city, empty when unknown',
    channel     String                COMMENT 'Acquisition channel (store, app, web, ...), empty when unknown',
    source_tier String                COMMENT 'Tier in the source system, empty when none',
    updated_at  DateTime('UTC')       COMMENT 'Version of this row in the source; the latest wins (defaults to joined_at)',
    file_id     String                COMMENT 'Lineage: load_files.file_id of the file this row came from',
    loaded_at   DateTime('UTC')       COMMENT 'Lineage: when this row was loaded (UTC)'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY member_id;
