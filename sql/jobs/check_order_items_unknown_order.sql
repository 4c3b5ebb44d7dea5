-- Failing rows: order lines whose order is not in orders (loaded anyway;
-- their member_id is the file's, or empty).
SELECT count() FROM order_items_current WHERE order_id NOT IN (SELECT order_id FROM orders_current)
