-- next_category: the three categories each member is most likely to buy
-- next (model next_category, models/next_category), scored from the
-- member's categories in the window and category-to-category co-purchase
-- lift over all members; one row per as_of, member and rank.
CREATE TABLE IF NOT EXISTS next_category
(
    as_of     Date    COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id String  COMMENT 'Member key; members with a paid order line in the window (models.next_category.window_days days ending at as_of)',
    rank      UInt8   COMMENT 'Rank of the category for the member: 1 = most likely next, up to 3',
    category  String  COMMENT 'Category path at models.next_category.level (levels joined by /)',
    level     UInt8   COMMENT 'Category level the model ran at (models.next_category.level): 1, 2 or 3',
    score     Float64 COMMENT 'Sum over the categories a of the member of (share of the orders of the member with a) x lift(a, category); lift 1 = no association, higher ranks first',
    run_id    String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (member_id, rank);

DROP TABLE IF EXISTS next_category_latest;
CREATE VIEW IF NOT EXISTS next_category_latest AS
SELECT * FROM next_category
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'next_category' AND as_of = (SELECT max(as_of) FROM snapshots));
