-- Failing rows: orders whose status is not one of the accepted values.
SELECT countIf(status NOT IN ('paid', 'refunded', 'cancelled')) FROM orders_current
