-- engagement: the score is a percentile (one outlier no longer rescales
-- everyone) and points_earned events (they mirror orders) count neither in
-- the score nor as session days. Comment only; rows are rewritten on the
-- next run.
ALTER TABLE engagement COMMENT COLUMN score 'Engagement score 0-100, a percentile: 100 x members with a weighted_90d at or below this one / members; 0 when weighted_90d is 0';
ALTER TABLE engagement COMMENT COLUMN score_percentile 'Share of members with a strictly lower weighted_90d, 0-100';
ALTER TABLE engagement COMMENT COLUMN weighted_90d 'Weighted sum of 90-day counts (models.engagement.weights; points_redeemed by count; points_earned, which mirrors orders, is not weighed)';
ALTER TABLE engagement COMMENT COLUMN sessions_30d 'Sessions in 30 days: business days with at least one event other than points_earned';
ALTER TABLE engagement COMMENT COLUMN sessions_90d 'Sessions in 90 days: business days with at least one event other than points_earned';
ALTER TABLE engagement COMMENT COLUMN points_earned_90d 'Sum of value of points_earned events, 90 days (reported only: not part of the score)';
