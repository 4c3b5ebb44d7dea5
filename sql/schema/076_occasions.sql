-- occasions: birthdays and membership anniversaries in the coming days,
-- one row per member and occasion, for CRM journeys (model occasions,
-- models/occasions). member_profile publishes them to segment_members as
-- family occasion.
CREATE TABLE IF NOT EXISTS occasions
(
    as_of         Date   COMMENT 'Business date the list is for (inclusive, business time zone)',
    member_id     String COMMENT 'Member key; members who joined by the end of as_of',
    occasion      String COMMENT 'birthday (from members.birth_date, else birthday) or anniversary (of the joined date in the business time zone)',
    occasion_date Date   COMMENT 'Day the occasion falls on, from as_of to as_of + models.occasions.days - 1; a Feb 29 date falls on Feb 28 in years without one',
    days_until    UInt16 COMMENT 'Days from as_of to occasion_date: 0 = on as_of itself',
    years         UInt16 COMMENT 'Age reached (birthday) or completed years of membership (anniversary) on occasion_date, at least 1',
    source_date   String COMMENT 'Date the occasion comes from as YYYY-MM-DD: date of birth (any year, also before 1970) or joined date',
    run_id        String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (occasion, occasion_date, member_id);

DROP TABLE IF EXISTS occasions_latest;
CREATE VIEW IF NOT EXISTS occasions_latest AS
SELECT * FROM occasions
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'occasions' AND as_of = (SELECT max(as_of) FROM snapshots));
