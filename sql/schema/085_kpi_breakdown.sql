-- kpi_breakdown: the headline KPIs per as_of by dimension value, and
-- kpi_contribution: the top 1%/5%/10% (models.kpi_breakdown.top_shares)
-- of members' share of revenue. Written by the kpi_breakdown model
-- (models/kpi_breakdown) from member_profile of the same as_of and paid
-- orders. Window: the models.kpi_breakdown.window_days days ending with
-- as_of (business time zone); "paid" as every model (status paid, or
-- changed after as_of). Money is the brand currency of orders.amount.
CREATE TABLE IF NOT EXISTS kpi_breakdown
(
    as_of                    Date              COMMENT 'Business date the row is for (inclusive, business time zone)',
    dimension                String            COMMENT 'What the row splits by: all (one row, value all), region, join_channel (members.channel, acquisition), tier, value_layer, lifecycle_stage (member basis), channel (orders.channel), store (orders.store_id) (order basis)',
    value                    String            COMMENT 'The dimension value (member_profile or order column as stored); empty = unknown or none (no tier, no paid order, online order without store)',
    basis                    String            COMMENT 'member: every member of member_profile is in exactly one value, so every count and sum over a dimension adds up to the all row; order: orders are attributed to their channel or store and a member is counted in each value where they bought, so orders, revenue and discount add up to the all row and member counts do not',
    members                  UInt64            COMMENT 'Members in the value: member basis, members who joined by as_of (member_profile rows); order basis, members with a paid order at the value in the window (equal to buyers)',
    active_members           UInt64            COMMENT 'Members with a paid order in the last models.kpi_breakdown.active_days days up to as_of (order basis: at the value)',
    buyers                   UInt64            COMMENT 'Members with at least one paid order in the window (order basis: at the value)',
    repeat_buyers            UInt64            COMMENT 'Buyers with paid orders on two or more purchase days (business days, business time zone) in the window (order basis: at the value)',
    orders                   UInt64            COMMENT 'Paid orders in the window (order basis: at the value)',
    revenue                  Decimal(18, 2)    COMMENT 'Net revenue: sum of orders.amount (after discount) of the paid orders in the window, brand currency',
    gross_revenue            Decimal(18, 2)    COMMENT 'Gross revenue: revenue + discount of the same orders, brand currency',
    discount                 Decimal(18, 2)    COMMENT 'Discount and benefit cost: sum of orders.discount of the paid orders in the window, brand currency',
    aov                      Nullable(Float64) COMMENT 'Average order value: revenue / orders, brand currency; NULL without orders',
    repurchase_rate          Nullable(Float64) COMMENT 'Repurchase rate in the window: repeat_buyers / buyers (0-1); NULL without buyers',
    churn_scored             UInt64            COMMENT 'Members with a churn risk band in member_profile (churn_risk_band not NULL: churn has a row for the member)',
    churn_risk_members       UInt64            COMMENT 'Members whose churn risk band is one of models.kpi_breakdown.churn_risk_bands (default high, critical)',
    churn_risk_share         Nullable(Float64) COMMENT 'churn_risk_members / churn_scored (0-1); NULL when no member is scored',
    clv_members              UInt64            COMMENT 'Members with a CLV (member_profile.clv not NULL)',
    avg_clv                  Nullable(Float64) COMMENT 'Mean member_profile.clv over clv_members, brand currency; NULL when none has one',
    revenue_per_member       Nullable(Float64) COMMENT 'revenue / members, brand currency; NULL without members',
    discount_per_member      Nullable(Float64) COMMENT 'discount / members, brand currency; NULL without members',
    discount_rate            Nullable(Float64) COMMENT 'discount / gross_revenue (0-1): the share of list value given away; NULL when gross revenue is 0',
    member_share             Nullable(Float64) COMMENT 'members / members of the all row (0-1); NULL when the all row has no members',
    revenue_share            Nullable(Float64) COMMENT 'revenue / revenue of the all row (0-1): the value''s contribution to revenue; NULL when the all row has no revenue',
    revenue_per_member_index Nullable(Float64) COMMENT 'revenue_per_member / revenue_per_member of the all row (1 = the average member); NULL when either is undefined or the all row has no revenue',
    run_id                   String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (dimension, value);

CREATE TABLE IF NOT EXISTS kpi_contribution
(
    as_of                  Date              COMMENT 'Business date the row is for (inclusive, business time zone)',
    top_share              Float64           COMMENT 'The top share of members the row describes (0.01 = top 1%), from models.kpi_breakdown.top_shares',
    members_total          UInt64            COMMENT 'Members who joined by as_of (member_profile rows): the population ranked, buyers or not',
    top_members            UInt64            COMMENT 'Members in the top: ceil(top_share x members_total), ranked by window revenue (ties cannot change the sums)',
    top_revenue            Float64           COMMENT 'Net revenue in the window of the top members, brand currency (exact to the cent)',
    total_revenue          Float64           COMMENT 'Net revenue in the window of all members (kpi_breakdown all row), brand currency',
    revenue_share          Nullable(Float64) COMMENT 'top_revenue / total_revenue (0-1); NULL when total revenue is 0',
    top_revenue_per_member Nullable(Float64) COMMENT 'top_revenue / top_members, brand currency; NULL when top_members is 0',
    revenue_per_member     Nullable(Float64) COMMENT 'total_revenue / members_total: the average member, buyers or not, brand currency; NULL without members',
    ratio                  Nullable(Float64) COMMENT 'top_revenue_per_member / revenue_per_member: how many times the average member a top member brings (revenue_share / top_share); NULL when either is undefined or 0',
    run_id                 String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY top_share;

DROP TABLE IF EXISTS kpi_breakdown_latest;
CREATE VIEW IF NOT EXISTS kpi_breakdown_latest AS
SELECT * FROM kpi_breakdown
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'kpi_breakdown' AND as_of = (SELECT max(as_of) FROM snapshots));
DROP TABLE IF EXISTS kpi_contribution_latest;
CREATE VIEW IF NOT EXISTS kpi_contribution_latest AS
SELECT * FROM kpi_contribution
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'kpi_breakdown' AND as_of = (SELECT max(as_of) FROM snapshots));
