-- Freshness: how many orders were placed up to the end of the as_of day
-- and when the newest of them was placed. @until is the end of the
-- business day in UTC.
SELECT count(), max(ordered_at) FROM orders_current WHERE ordered_at < toDateTime(@until, 'UTC')
