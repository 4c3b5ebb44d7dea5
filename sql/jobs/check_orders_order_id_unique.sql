-- Failing rows: order ids that appear more than once after deduplication.
SELECT toUInt64(count() - uniqExact(order_id)) FROM orders_current
