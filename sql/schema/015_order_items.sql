-- order_items: one row per order line version; a re-sent line (same
-- order_id and line_no) with a later updated_at replaces the earlier one.
-- member_id comes from the file or, when it has none, from orders at load,
-- so in cluster mode items live on their order's shard. Read
-- order_items_current.
CREATE TABLE IF NOT EXISTS order_items
(
    order_id    String          COMMENT 'Order the line belongs to (orders.order_id)',
    line_no     UInt32          COMMENT 'Line number within the order; with order_id the key',
    member_id   String          COMMENT 'Member who placed the order: from the file, else from orders at load; empty when neither had it (order unknown at load)',
    sku         String          COMMENT 'Product (stock keeping unit) code in the source system',
    category    String          COMMENT 'Category path as given, levels separated by / (beauty/skincare/serum); empty when not given',
    category_l1 String          COMMENT 'First level of the category path (beauty); empty when the path is empty',
    category_l2 String          COMMENT 'Second level of the category path (skincare); empty when the path has fewer levels',
    category_l3 String          COMMENT 'Third level of the category path (serum); empty when the path has fewer levels; deeper levels stay only in category',
    quantity    UInt32          COMMENT 'Units on the line',
    amount      Decimal(18, 2)  COMMENT 'Net amount of the line (after its share of the order discount), in the brand currency',
    updated_at  DateTime('UTC') COMMENT 'Version of this row in the source; the latest wins',
    file_id     String          COMMENT 'Lineage: load_files.file_id of the file this row came from',
    loaded_at   DateTime('UTC') COMMENT 'Lineage: when this row was loaded (UTC)'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (order_id, line_no);

CREATE VIEW IF NOT EXISTS order_items_current AS SELECT * FROM order_items FINAL;
