-- Failing rows: events that name no member.
SELECT countIf(member_id = '') FROM events_current
