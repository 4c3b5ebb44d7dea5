-- engagement: event counts over the last 30 and 90 days and a weighted
-- score, one row per member who joined by as_of.
CREATE TABLE IF NOT EXISTS engagement
(
    as_of                 Date    COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id             String  COMMENT 'Member key',
    logins_30d            UInt32  COMMENT 'login events in the 30 days ending at as_of',
    logins_90d            UInt32  COMMENT 'login events in the 90 days ending at as_of',
    sessions_30d          UInt32  COMMENT 'Sessions in 30 days: business days with at least one event',
    sessions_90d          UInt32  COMMENT 'Sessions in 90 days: business days with at least one event',
    campaign_opens_30d    UInt32  COMMENT 'campaign_open events, 30 days',
    campaign_opens_90d    UInt32  COMMENT 'campaign_open events, 90 days',
    campaign_clicks_30d   UInt32  COMMENT 'campaign_click events, 30 days',
    campaign_clicks_90d   UInt32  COMMENT 'campaign_click events, 90 days',
    reviews_90d           UInt32  COMMENT 'review events, 90 days',
    shares_90d            UInt32  COMMENT 'share events, 90 days',
    referrals_90d         UInt32  COMMENT 'referral events, 90 days',
    checkins_90d          UInt32  COMMENT 'checkin events, 90 days',
    points_earned_90d     Float64 COMMENT 'Sum of value of points_earned events, 90 days',
    points_redeemed_90d   Float64 COMMENT 'Sum of value of points_redeemed events, 90 days',
    nps_answers_90d       UInt32  COMMENT 'nps_survey events, 90 days',
    nps_last              Nullable(Float64) COMMENT 'Value of the latest nps_survey event up to as_of, NULL when none',
    weighted_90d          Float64 COMMENT 'Weighted sum of 90-day counts (models.engagement.weights; points events by count)',
    score                 Float64 COMMENT 'Engagement score 0-100: 100 x weighted_90d / the largest weighted_90d of this as_of',
    score_percentile      Float64 COMMENT 'Share of members with a strictly lower score, 0-100',
    spend_365d            Decimal(18, 2) COMMENT 'Net paid spend in the 365 days ending at as_of',
    engaged_low_spend     UInt8   COMMENT '1 when the score is in the top quartile (score_percentile >= 75) and spend_365d in the bottom half (fewer than half of members spend strictly less)',
    run_id                String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS engagement_latest AS
SELECT * FROM engagement WHERE as_of = (SELECT max(as_of) FROM engagement);
