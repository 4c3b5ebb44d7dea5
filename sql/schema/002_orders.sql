-- orders: one row per order version; a re-sent order with a later
-- updated_at replaces the earlier one. Read orders_current.
CREATE TABLE IF NOT EXISTS orders
(
    order_id   String          COMMENT 'Order key in the source system',
    member_id  String          COMMENT 'Member who placed the order',
    ordered_at DateTime('UTC') COMMENT 'When the order was placed (UTC)',
    amount     Decimal(18, 2)  COMMENT 'Net amount paid, after discounts, in the brand currency',
    discount   Decimal(18, 2)  COMMENT 'Discount granted on the order (0 when not given)',
    items      UInt32          COMMENT 'Number of items (0 when not given)',
    channel    String          COMMENT 'Sales channel, empty when unknown',
    store_id   String          COMMENT 'Store identifier, empty for online orders or when unknown',
    status     String          COMMENT 'paid, refunded or cancelled (paid when not given)',
    updated_at DateTime('UTC') COMMENT 'Version of this row in the source; the latest wins (defaults to ordered_at)',
    file_id    String          COMMENT 'Lineage: load_files.file_id of the file this row came from',
    loaded_at  DateTime('UTC') COMMENT 'Lineage: when this row was loaded (UTC)'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY order_id;
