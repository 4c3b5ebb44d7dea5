-- tiers: each member's membership level, one row per member who joined by
-- as_of; tier_migration: from -> to counts since the previous as_of.
CREATE TABLE IF NOT EXISTS tiers
(
    as_of            Date    COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id        String  COMMENT 'Member key',
    tier             String  COMMENT 'Level held (models.tiers.levels): upgraded as soon as qualified, downgraded only at review',
    tier_rank        UInt8   COMMENT 'Position of tier in models.tiers.levels, 0 = entry level',
    previous_tier    String  COMMENT 'Level at the previous as_of in this table; empty when none',
    movement         String  COMMENT 'up, down or same versus previous_tier; new when there was no previous row',
    qualified_tier   String  COMMENT 'Highest level the rolling-window figures qualify for today',
    last_qualified   Date    COMMENT 'Last as_of on which the member qualified for tier (or higher); the review is due review_days later',
    review_date      Date    COMMENT 'last_qualified + models.tiers.review_days: from this day a member not qualified is downgraded',
    spend_window     Float64 COMMENT 'Net paid spend in the rolling window (models.tiers.window_days)',
    orders_window    UInt32  COMMENT 'Paid orders in the rolling window',
    points_window    Float64 COMMENT 'Points earned (sum of points_earned event values) in the rolling window',
    engagement_score Float64 COMMENT 'Engagement score of this as_of (engagement.score), 0 when not computed',
    next_tier        String  COMMENT 'The level above tier; empty at the top level',
    progress         Float64 COMMENT 'Progress to next_tier, 0-1: best ratio of figure to threshold (rule any) or worst (rule all); 1 at the top',
    spend_gap        Float64 COMMENT 'Money still to spend to reach next_tier.min_spend (0 when met or not spend-based)',
    near_upgrade     UInt8   COMMENT '1 when progress >= models.tiers.near_upgrade and below 1',
    run_id           String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS tiers_latest AS
SELECT * FROM tiers WHERE as_of = (SELECT max(as_of) FROM tiers);

CREATE TABLE IF NOT EXISTS tier_migration
(
    as_of          Date   COMMENT 'Business date of the later run',
    previous_as_of Date   COMMENT 'The as_of compared with: the latest earlier as_of in tiers (1970-01-01 when none)',
    from_tier      String COMMENT 'Level at previous_as_of; none when the member had no row then',
    to_tier        String COMMENT 'Level at as_of',
    members        UInt64 COMMENT 'Members who moved from from_tier to to_tier',
    run_id         String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (from_tier, to_tier);

CREATE VIEW IF NOT EXISTS tier_migration_latest AS
SELECT * FROM tier_migration WHERE as_of = (SELECT max(as_of) FROM tier_migration);
