-- example_order_count: the model in package models' Example. Paid orders
-- per member up to the end of as_of; it shows the conventions every model
-- query follows: read *_current views, bound @as_of / @as_of_end, write
-- into {{stage}} with an explicit column list.

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, orders, run_id)
SELECT toDate(@as_of), member_id, count(), @run_id
FROM orders_current
WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
GROUP BY member_id
