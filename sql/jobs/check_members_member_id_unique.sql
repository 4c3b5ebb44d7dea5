-- Failing rows: member ids that appear more than once after deduplication.
SELECT toUInt64(count() - uniqExact(member_id)) FROM members_current
