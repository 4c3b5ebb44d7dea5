-- Failing rows: orders whose member is not in members (referential integrity).
SELECT count() FROM orders_current WHERE member_id NOT IN (SELECT member_id FROM members_current)
