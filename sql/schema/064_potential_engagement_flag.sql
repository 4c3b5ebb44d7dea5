-- potential: the engaged_low_spend reason is engagement's engaged_low_spend
-- flag of the same as_of (one definition of the KPI), scored with
-- engagement's score. Comment only; rows are rewritten on the next run.
ALTER TABLE potential COMMENT COLUMN reason 'clv_above_spend (CLV decile at least models.potential.decile_gap above past-spend decile), engaged_low_spend (engagement.engaged_low_spend = 1 for the same as_of) or rising_value (order value and frequency up on the previous window)';
ALTER TABLE potential COMMENT COLUMN score 'Strength of the reason: decile gap, engagement.score (engaged_low_spend), or order value growth ratio';
