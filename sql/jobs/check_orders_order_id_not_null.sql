-- Failing rows: orders with an empty key.
SELECT countIf(order_id = '') FROM orders_current
