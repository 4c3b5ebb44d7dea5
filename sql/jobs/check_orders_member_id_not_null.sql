-- Failing rows: orders that name no member.
SELECT countIf(member_id = '') FROM orders_current
