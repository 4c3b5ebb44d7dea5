-- member_profile: one wide row per member who joined by as_of, with every
-- model's output of the same as_of. A model with no row for the member (a
-- prospect has no rfm row; a model not run for the as_of) leaves its
-- columns at 0 / empty string; the predictive columns are NULL then.
CREATE TABLE IF NOT EXISTS member_profile
(
    as_of                 Date              COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id             String            COMMENT 'Member key',
    joined_at             DateTime('UTC')   COMMENT 'When the member joined (members.joined_at, UTC)',
    gender                String            COMMENT 'members.gender',
    region                String            COMMENT 'members.region',
    channel               String            COMMENT 'members.channel (acquisition channel)',
    source_tier           String            COMMENT 'members.source_tier (tier in the source system)',
    first_order_at        Nullable(DateTime('UTC')) COMMENT 'rfm.first_order_at; NULL without paid orders',
    cohort_month          Nullable(Date)    COMMENT 'Business-time-zone month of the first paid order (the cohorts first_order cohort); NULL without',
    recency_days          UInt32            COMMENT 'rfm.recency_days (0 without paid orders: check rfm_segment)',
    frequency             UInt32            COMMENT 'rfm.frequency',
    monetary              Decimal(18, 2)    COMMENT 'rfm.monetary',
    orders_total          UInt32            COMMENT 'rfm.orders_total',
    aov                   Float64           COMMENT 'rfm.aov',
    aov_trend             Nullable(Float64) COMMENT 'rfm.aov_trend',
    r_score               UInt8             COMMENT 'rfm.r_score (0 = no rfm row)',
    f_score               UInt8             COMMENT 'rfm.f_score (0 = no rfm row)',
    m_score               UInt8             COMMENT 'rfm.m_score (0 = no rfm row)',
    rfm_segment           String            COMMENT 'rfm.segment; empty for members without paid orders',
    value_layer           String            COMMENT 'rfm.value_layer; empty for members without paid orders',
    engagement_score      Float64           COMMENT 'engagement.score',
    engagement_percentile Float64           COMMENT 'engagement.score_percentile',
    engaged_low_spend     UInt8             COMMENT 'engagement.engaged_low_spend',
    lifecycle_stage       String            COMMENT 'lifecycle.stage',
    tier                  String            COMMENT 'tiers.tier',
    tier_movement         String            COMMENT 'tiers.movement',
    tier_progress         Float64           COMMENT 'tiers.progress',
    near_upgrade          UInt8             COMMENT 'tiers.near_upgrade',
    clv                   Nullable(Float64) COMMENT 'clv.clv (predictive model); NULL when clv has no row for the member and as_of',
    churn_probability     Nullable(Float64) COMMENT 'churn.churn_probability (predictive model); NULL when churn has no row',
    churn_risk_band       String            COMMENT 'churn.risk_band; empty when churn has no row',
    run_id                String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS member_profile_latest AS
SELECT * FROM member_profile WHERE as_of = (SELECT max(as_of) FROM member_profile);
