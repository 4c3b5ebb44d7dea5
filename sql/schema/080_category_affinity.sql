-- category_affinity: what each member buys, one row per as_of, member,
-- category level (1-3) and category they bought in the window (model
-- category_affinity, models/category_affinity). Categories are path
-- prefixes (beauty, beauty/skincare, beauty/skincare/serum), so a name is
-- unique across levels. The preferred category of a level is published
-- to segment_members as family 'preferred_category'.
CREATE TABLE IF NOT EXISTS category_affinity
(
    as_of              Date            COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id          String          COMMENT 'Member key',
    level              UInt8           COMMENT 'Category level: 1 (top, e.g. beauty), 2 (beauty/skincare) or 3 (leaf, beauty/skincare/serum)',
    category           String          COMMENT 'Category path down to level, levels joined by / (beauty/skincare at level 2)',
    orders             UInt32          COMMENT 'Paid orders of the member in the window (models.category_affinity.window_days days ending at as_of) with a line in the category',
    spend              Decimal(18, 2)  COMMENT 'Net amount of the lines of the member in the category over the window, in the brand currency',
    member_orders      UInt32          COMMENT 'Paid orders of the member in the window that have order lines (any category)',
    spend_share        Float64         COMMENT 'Share of the line spend of the member over the window that is in the category, 0-1; 0 when the member spent nothing',
    order_share        Float64         COMMENT 'Share of the orders of the member over the window with a line in the category, 0-1 (shares of one level can sum above 1: an order can span categories)',
    last_purchase_at   DateTime('UTC') COMMENT 'Time of the latest paid order of the member in the window with a line in the category (UTC)',
    days_since_last    UInt32          COMMENT 'Whole days from the business date of last_purchase_at to as_of (0 = bought on as_of)',
    population_share   Float64         COMMENT 'Share of the paid orders with lines of all members over the window that have a line in the category, 0-1',
    affinity_index     Float64         COMMENT 'How much more often the member buys the category than the population, order_share / population_share: 1 = as often as the population, 3 = three times as often; 0 when population_share is 0',
    is_preferred       UInt8           COMMENT '1 for the preferred category of the member of the level: the largest affinity_index among categories with at least models.category_affinity.min_orders orders (ties, at 9 decimals: larger spend_share, more recent, then category name); 0 otherwise',
    cross_sell_missing Array(String)   COMMENT 'For each configured pair (models.category_affinity.cross_sell) whose bought side is this category: the never side when the member bought this category but not that one in the window; empty otherwise',
    run_id             String          COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (member_id, level, category);

DROP TABLE IF EXISTS category_affinity_latest;
CREATE VIEW IF NOT EXISTS category_affinity_latest AS
SELECT * FROM category_affinity
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'category_affinity' AND as_of = (SELECT max(as_of) FROM snapshots));
