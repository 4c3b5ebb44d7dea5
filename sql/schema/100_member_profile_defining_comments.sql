-- member_profile: every column comment says what the value is, its unit,
-- window and NULL or 0 meaning, instead of naming the column it was copied
-- from (issue 20). Comments only; the _latest view takes them over after
-- the migrations (internal/platform/migrate).
ALTER TABLE member_profile COMMENT COLUMN as_of 'Business date the row is for (inclusive, business time zone): every figure is as of the end of this day';
ALTER TABLE member_profile COMMENT COLUMN member_id 'Member key: the member id of the source system; one row per member who joined by as_of';
ALTER TABLE member_profile COMMENT COLUMN joined_at 'When the member joined the programme (UTC), from the member record';
ALTER TABLE member_profile COMMENT COLUMN gender 'Gender as given by the source member record, empty when unknown';
ALTER TABLE member_profile COMMENT COLUMN region 'Region or city from the source member record, empty when unknown';
ALTER TABLE member_profile COMMENT COLUMN channel 'Acquisition channel from the source member record (store, app, web, ...), empty when unknown';
ALTER TABLE member_profile COMMENT COLUMN source_tier 'Tier the source system gives the member (not the computed tier column), empty when none';
ALTER TABLE member_profile COMMENT COLUMN first_order_at 'First paid order up to as_of (UTC); NULL when the member has no paid order up to as_of';
ALTER TABLE member_profile COMMENT COLUMN cohort_month 'First day of the business-time-zone month of the first paid order (the first_order cohort of cohorts); NULL without paid orders up to as_of';
ALTER TABLE member_profile COMMENT COLUMN recency_days 'Days from the business day of the last paid order to as_of (0 = bought on as_of); also 0 without paid orders, when rfm_segment is empty';
ALTER TABLE member_profile COMMENT COLUMN frequency 'Paid orders in the RFM window (models.rfm.window_days days, default 365, ending at as_of); 0 without paid orders in the window';
ALTER TABLE member_profile COMMENT COLUMN monetary 'Net spend in the RFM window (models.rfm.window_days days ending at as_of): sum of the amount of paid orders, in the brand currency; 0 without paid orders in the window';
ALTER TABLE member_profile COMMENT COLUMN orders_total 'Paid orders up to as_of, all time; 0 without paid orders';
ALTER TABLE member_profile COMMENT COLUMN aov 'Average order value in the RFM window, in the brand currency: monetary / frequency; 0 when frequency is 0';
ALTER TABLE member_profile COMMENT COLUMN aov_trend 'Change of the average order value, a ratio: AOV of the last models.rfm.trend_days days (default 90) / AOV of the trend_days before them - 1 (0.1 = 10% higher); NULL unless both periods have paid orders';
ALTER TABLE member_profile COMMENT COLUMN r_score 'Recency score 1-5 (5 = most recent) among buyers with a paid order in the RFM window; 0 for lapsed buyers and members without paid orders (rfm_segment tells which)';
ALTER TABLE member_profile COMMENT COLUMN f_score 'Frequency score 1-5 (5 = most paid orders in the RFM window) among buyers with a paid order in the window; 0 for lapsed buyers and members without paid orders';
ALTER TABLE member_profile COMMENT COLUMN m_score 'Monetary score 1-5 (5 = highest net spend in the RFM window) among buyers with a paid order in the window; 0 for lapsed buyers and members without paid orders';
ALTER TABLE member_profile COMMENT COLUMN rfm_segment 'Named RFM segment from the recency/frequency map (models.rfm.segments: Champions, Loyal, ..., Lost; Lapsed for buyers with no paid order in the window); empty without paid orders up to as_of';
ALTER TABLE member_profile COMMENT COLUMN value_layer 'Value layer from the monetary score (models.rfm.value_layers: high, mid-high, mid-low, low; lapsed buyers get the lowest); empty without paid orders up to as_of';
ALTER TABLE member_profile COMMENT COLUMN engagement_score 'Engagement score 0-100 over the 90 days ending at as_of, a percentile: 100 x members whose weighted event count is at or below this one / members; 0 without weighted events or without an engagement row';
ALTER TABLE member_profile COMMENT COLUMN engagement_percentile 'Share of members with a strictly lower 90-day weighted event count, 0-100; 0 without an engagement row';
ALTER TABLE member_profile COMMENT COLUMN engaged_low_spend '1 when the engagement score is in the top quartile (percentile >= 75) while the net spend of the 365 days ending at as_of is in the bottom half of members; else 0';
ALTER TABLE member_profile COMMENT COLUMN lifecycle_stage 'Lifecycle stage at as_of: prospect (no paid order), new, active, loyal, silent, sleeping or churned (day thresholds since the last paid order, models/README.md); empty without a lifecycle row';
ALTER TABLE member_profile COMMENT COLUMN tier 'Membership level held at as_of (models.tiers.levels), from the spend, orders, points and engagement of the rolling window and the review rule; empty without a tiers row';
ALTER TABLE member_profile COMMENT COLUMN tier_movement 'Change of the level held since the previous as_of: up, down, same, or new when the member had no earlier tiers row; empty without a tiers row';
ALTER TABLE member_profile COMMENT COLUMN tier_progress 'Progress to the next level, 0-1: the best (rule any) or worst (rule all) ratio of a rolling-window figure to its threshold; 1 at the top level; 0 without a tiers row';
ALTER TABLE member_profile COMMENT COLUMN near_upgrade '1 when tier_progress is at least models.tiers.near_upgrade (default 0.8) and below 1; else 0';
ALTER TABLE member_profile COMMENT COLUMN clv 'Customer lifetime value: expected value of future purchases over models.clv.horizon_days after as_of, discounted, in the brand currency (BG/NBD and Gamma-Gamma); NULL when clv has no row for the member and as_of (for example no paid order, or the model skipped the date)';
ALTER TABLE member_profile COMMENT COLUMN churn_probability 'Probability, 0-1, of no paid order within models.churn.horizon_days after as_of; 1 for lapsed buyers; NULL when churn has no row for the member and as_of';
ALTER TABLE member_profile COMMENT COLUMN churn_risk_band 'Churn risk band at as_of: low, medium, high or critical (cut at quantiles of the scored probabilities), or lapsed; NULL when churn has no row for the member, or was skipped for the as_of';
ALTER TABLE member_profile COMMENT COLUMN run_id 'Run of member_profile that wrote the row (model_runs.run_id); member_profile_latest shows only the run its snapshot names';
