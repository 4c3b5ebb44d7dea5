-- churn_risk_band becomes Nullable: NULL when churn has no row for the
-- member, or was skipped for the as_of, never an empty string that looks
-- like a segment (like churn_probability and clv).
ALTER TABLE member_profile MODIFY COLUMN churn_risk_band Nullable(String);
ALTER TABLE member_profile COMMENT COLUMN churn_risk_band 'churn.risk_band; NULL when churn has no row for the member, or was skipped for the as_of';
