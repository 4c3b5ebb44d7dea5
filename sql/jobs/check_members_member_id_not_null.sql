-- Failing rows: members with an empty key.
SELECT countIf(member_id = '') FROM members_current
