-- order_count: paid orders per member up to the end of as_of. It shows the
-- conventions every model query follows: read the *_current views, bind
-- @as_of / @as_of_end / @run_id, write into {{stage}} with an explicit
-- column list.

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, orders, run_id)
SELECT toDate(@as_of), member_id, count(), @run_id
FROM orders_current
WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
  AND ordered_at >= toDateTime(@window_start, 'UTC')
GROUP BY member_id

-- name: summary
SELECT count() AS members, sum(orders) AS orders FROM {{stage}}
