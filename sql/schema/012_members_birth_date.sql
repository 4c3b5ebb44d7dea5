-- birth_date: the date of birth as text, so birthdays before 1970 are kept.
-- ClickHouse 18.16's Date starts at 1970-01-01 (Date32 needs 21.9), so
-- birthday is NULL for them; birth_date holds every birthday the source
-- gave. members_current is recreated because a view keeps the columns it
-- was created with (18.16 would not show the new column through it).
ALTER TABLE members ADD COLUMN birth_date String DEFAULT '' COMMENT 'Date of birth as YYYY-MM-DD (empty when unknown); unlike birthday it also holds dates before 1970' AFTER birthday;
-- 18.16 drops the COMMENT of an ADD COLUMN; this sets it on every version.
ALTER TABLE members COMMENT COLUMN birth_date 'Date of birth as YYYY-MM-DD (empty when unknown); unlike birthday it also holds dates before 1970';
DROP TABLE IF EXISTS members_current; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL;
