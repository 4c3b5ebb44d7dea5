-- points_balance: each member's points account at the end of as_of, from
-- the points_earned, points_redeemed and points_expired events (value =
-- points); points_programme: the programme's outstanding points, their
-- liability and the window's earn, redemption and breakage rates, per
-- tier and for 'all'. Model points (models/points); both read through the
-- _latest views of the newest complete snapshot.
CREATE TABLE IF NOT EXISTS points_balance
(
    as_of           Date                      COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id       String                    COMMENT 'Member key; every member with at least one points event up to the end of as_of',
    tier            String                    COMMENT 'Tier the member holds at as_of (tiers output of the same snapshot); empty when tiers has no row for the member',
    earned_total    Float64                   COMMENT 'Points earned (sum of points_earned values) from the first event up to the end of as_of',
    redeemed_total  Float64                   COMMENT 'Points redeemed (sum of points_redeemed values) up to the end of as_of',
    expired_total   Float64                   COMMENT 'Points expired (sum of points_expired values) up to the end of as_of',
    balance         Float64                   COMMENT 'Points held at the end of as_of: earned_total - redeemed_total - expired_total (negative only when the source events disagree)',
    liability       Float64                   COMMENT 'balance x models.points.value_per_point, in models.points.currency: what the points held would cost if all were redeemed',
    earned_window   Float64                   COMMENT 'Points earned in the window: the models.points.window_days days up to and including as_of (business time zone)',
    redeemed_window Float64                   COMMENT 'Points redeemed in the same window',
    expired_window  Float64                   COMMENT 'Points expired in the same window',
    last_event_at   DateTime('UTC')           COMMENT 'Time of the latest points event of the member up to the end of as_of (UTC)',
    run_id          String                    COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE TABLE IF NOT EXISTS points_programme
(
    as_of                  Date              COMMENT 'Business date the row is for (inclusive, business time zone)',
    tier                   String            COMMENT 'Tier the members hold at as_of, or all for the whole programme; empty for members without a tiers row',
    window_days            UInt16            COMMENT 'Length in days of the window of the *_window figures, up to and including as_of (models.points.window_days)',
    members                UInt64            COMMENT 'Members with at least one points event up to the end of as_of',
    members_with_balance   UInt64            COMMENT 'Members whose balance is above 0',
    active_members         UInt64            COMMENT 'Members with at least one points event (earned, redeemed or expired) in the window',
    outstanding            Float64           COMMENT 'Points outstanding at the end of as_of: sum of balance',
    value_per_point        Float64           COMMENT 'Money one point costs when redeemed, in currency (models.points.value_per_point)',
    currency               String            COMMENT 'Currency of liability: models.points.currency, else report.currency; may be empty',
    liability              Float64           COMMENT 'outstanding x value_per_point: the points liability of the programme at the end of as_of',
    earned_window          Float64           COMMENT 'Points earned in the window',
    redeemed_window        Float64           COMMENT 'Points redeemed in the window',
    expired_window         Float64           COMMENT 'Points expired in the window',
    earn_per_active_member Nullable(Float64) COMMENT 'earned_window / active_members: points earned per active member in the window; NULL when there is none',
    redemption_rate        Nullable(Float64) COMMENT 'redeemed_window / earned_window: points redeemed per point earned in the window; NULL when none was earned',
    breakage_window        Nullable(Float64) COMMENT 'expired_window / earned_window: points expired per point earned in the window; NULL when none was earned',
    earned_total           Float64           COMMENT 'Points earned up to the end of as_of',
    redeemed_total         Float64           COMMENT 'Points redeemed up to the end of as_of',
    expired_total          Float64           COMMENT 'Points expired up to the end of as_of',
    breakage_settled       Nullable(Float64) COMMENT 'Realised breakage: expired_total / (redeemed_total + expired_total), the share of the points that have left the programme that left unredeemed; NULL when none has',
    run_id                 String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY tier;

DROP TABLE IF EXISTS points_balance_latest;
CREATE VIEW IF NOT EXISTS points_balance_latest AS
SELECT * FROM points_balance
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'points' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS points_programme_latest;
CREATE VIEW IF NOT EXISTS points_programme_latest AS
SELECT * FROM points_programme
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'points' AND as_of = (SELECT max(as_of) FROM snapshots));
