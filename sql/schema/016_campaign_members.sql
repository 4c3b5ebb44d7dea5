-- campaign_members: who a campaign assigned to its treatment or control
-- group, one row per campaign and member version; a row re-sent (in any
-- part of the campaign's file) with the same or a later updated_at
-- replaces the earlier one. Read campaign_members_current.
CREATE TABLE IF NOT EXISTS campaign_members
(
    campaign_id String          COMMENT 'Campaign key in the source system',
    member_id   String          COMMENT 'Member assigned; with campaign_id the key',
    `group`     String          COMMENT 'treatment (contacted) or control (held out)',
    assigned_at DateTime('UTC') COMMENT 'When the member was assigned to the group (UTC); outcomes are measured from here',
    variant     String          COMMENT 'Creative or offer variant within the group, empty when not given',
    channel     String          COMMENT 'Channel the campaign used (sms, email, app push, ...), empty when not given',
    segment     String          COMMENT 'Name of the exported segment the campaign targeted, empty when not given',
    cost        Decimal(18, 2)  COMMENT 'Cost of contacting the member, in the brand currency (0 when not given, and for control members)',
    updated_at  DateTime('UTC') COMMENT 'Version of this row in the source; the latest wins (defaults to assigned_at)',
    file_id     String          COMMENT 'Lineage: load_files.file_id of the file this row came from',
    loaded_at   DateTime('UTC') COMMENT 'Lineage: when this row was loaded (UTC)'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (campaign_id, member_id);

CREATE VIEW IF NOT EXISTS campaign_members_current AS SELECT * FROM campaign_members FINAL;
