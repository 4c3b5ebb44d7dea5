-- campaign_results: per as_of, each campaign's outcome per group and
-- variant over the attribution window after assigned_at
-- (models.campaigns.window_days), and on treatment rows the uplift against
-- the comparison group; campaign_funnel: the upgrade funnel of the
-- members the tiers model flagged near an upgrade before the campaign.
-- Both are written by the campaigns model (models/campaigns) and read
-- through the _latest views of the newest complete snapshot.
CREATE TABLE IF NOT EXISTS campaign_results
(
    as_of                    Date              COMMENT 'Business date the row is for: outcomes counted up to the end of this day (business time zone)',
    campaign_id              String            COMMENT 'Campaign key (campaign_members.campaign_id)',
    evidence                 String            COMMENT 'randomised: the campaign has a control group, treatment is compared with it; pre_post: no control group, the targeted members are compared with matched non-targeted members by difference in differences (weaker evidence)',
    `group`                  String            COMMENT 'treatment or control (randomised); treatment or matched (pre_post: non-targeted members of the same value layer, see models/README.md)',
    variant                  String            COMMENT 'Variant within the group; empty = every variant of the group together',
    first_assigned_at        DateTime('UTC')   COMMENT 'Earliest assigned_at of the row''s members (UTC); matched members carry the campaign''s earliest assigned_at',
    last_assigned_at         DateTime('UTC')   COMMENT 'Latest assigned_at of the row''s members (UTC)',
    window_days              UInt16            COMMENT 'Attribution window: outcomes count in [assigned_at, assigned_at + window_days days), cut at the end of as_of',
    window_complete          UInt8             COMMENT '1 when every member''s window ended by the end of as_of; 0 when some windows are still open (figures are partial)',
    members                  UInt64            COMMENT 'Members in the group and variant',
    converters               UInt64            COMMENT 'Members with at least one paid order in their window (status paid as of as_of)',
    conversion_rate          Float64           COMMENT 'converters / members, 0-1',
    orders                   UInt64            COMMENT 'Paid orders in the members'' windows',
    revenue                  Float64           COMMENT 'Net paid amount of those orders, brand currency',
    revenue_per_member       Float64           COMMENT 'revenue / members (non-buyers count as 0)',
    aov                      Nullable(Float64) COMMENT 'revenue / orders; NULL when there is no order',
    tier_upgrades            Nullable(UInt64)  COMMENT 'Members whose tier_rank at as_of (tiers run of this snapshot) is above their rank at the latest tiers as_of before the campaign''s first assigned_at; NULL when no tiers partition precedes the campaign',
    cost                     Float64           COMMENT 'Sum of campaign_members.cost of the row''s members, brand currency (0 for control and matched rows)',
    conversion_uplift        Nullable(Float64) COMMENT 'Treatment rows: conversion_rate minus the comparison group''s (randomised), or the difference in differences of post minus pre conversion (pre_post), proportion points 0-1; NULL on comparison rows',
    conversion_ci_low        Nullable(Float64) COMMENT 'Lower end of the 95% interval of conversion_uplift (Wald, unpooled SE; Welch on per-member changes for pre_post); NULL on comparison rows',
    conversion_ci_high       Nullable(Float64) COMMENT 'Upper end of the 95% interval of conversion_uplift; NULL on comparison rows',
    conversion_p             Nullable(Float64) COMMENT 'Two-sided p-value of conversion_uplift (two-proportion z-test, pooled SE; Welch for pre_post); NULL on comparison rows',
    conversion_boot_ci_low   Nullable(Float64) COMMENT 'Lower end of the 95% percentile bootstrap interval of conversion_uplift (models.campaigns.bootstrap_reps resamples, fixed seed); NULL on comparison rows',
    conversion_boot_ci_high  Nullable(Float64) COMMENT 'Upper end of the 95% percentile bootstrap interval of conversion_uplift; NULL on comparison rows',
    rpm_uplift               Nullable(Float64) COMMENT 'Treatment rows: revenue_per_member minus the comparison group''s (randomised), or the difference in differences of post minus pre revenue per member (pre_post), brand currency; NULL on comparison rows or when Welch''s test is undefined',
    rpm_ci_low               Nullable(Float64) COMMENT 'Lower end of the 95% Welch interval of rpm_uplift; NULL as rpm_uplift',
    rpm_ci_high              Nullable(Float64) COMMENT 'Upper end of the 95% Welch interval of rpm_uplift; NULL as rpm_uplift',
    rpm_p                    Nullable(Float64) COMMENT 'Two-sided p-value of Welch''s t-test of rpm_uplift; NULL as rpm_uplift',
    rpm_boot_ci_low          Nullable(Float64) COMMENT 'Lower end of the 95% percentile bootstrap interval of rpm_uplift (fixed seed); NULL as rpm_uplift',
    rpm_boot_ci_high         Nullable(Float64) COMMENT 'Upper end of the 95% percentile bootstrap interval of rpm_uplift; NULL as rpm_uplift',
    incremental_conversions  Nullable(Float64) COMMENT 'conversion_uplift * members: converters the campaign added; NULL on comparison rows',
    incremental_revenue      Nullable(Float64) COMMENT 'rpm_uplift * members: revenue the campaign added in the window, brand currency; NULL as rpm_uplift',
    roi                      Nullable(Float64) COMMENT '(incremental_revenue - cost) / cost; NULL when cost is 0 or incremental_revenue is NULL',
    expected_treatment_share Nullable(Float64) COMMENT 'Intended share of treatment in the campaign the SRM check tests against (models.campaigns.treatment_shares, else default_treatment_share); NULL for pre_post',
    srm_p                    Nullable(Float64) COMMENT 'p-value of the chi-square test of the campaign''s treatment and control sizes against expected_treatment_share (same on every row of the campaign); NULL for pre_post',
    srm_mismatch             UInt8             COMMENT '1 when srm_p < 0.001: the split is unlikely under the intended share (broken assignment or lost rows), so the uplift is suspect',
    run_id                   String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (campaign_id, `group`, variant);

CREATE VIEW IF NOT EXISTS campaign_results_latest AS
SELECT * FROM campaign_results
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'campaigns' AND as_of = (SELECT max(as_of) FROM snapshots));

CREATE TABLE IF NOT EXISTS campaign_funnel
(
    as_of                Date              COMMENT 'Business date the row is for: outcomes counted up to the end of this day (business time zone)',
    campaign_id          String            COMMENT 'Campaign key (campaign_members.campaign_id)',
    `group`              String            COMMENT 'treatment or control (pre_post campaigns: treatment only)',
    step_no              UInt8             COMMENT 'Position of the step: 1 flagged, 2 reached, 3 purchased, 4 upgraded',
    step                 String            COMMENT 'flagged: near_upgrade = 1 in the latest tiers as_of before the campaign''s first assigned_at; reached: flagged and a campaign_open or campaign_click event with this campaign_id in properties in the window; purchased: flagged and a paid order in the window (reached or not, so control compares); upgraded: purchased and tier_rank at as_of above the flagged rank',
    members              UInt64            COMMENT 'Members of the group at this step',
    rate_of_flagged      Nullable(Float64) COMMENT 'members / flagged members of the group; NULL when none was flagged',
    rate_of_previous     Nullable(Float64) COMMENT 'members / members at the step this one is counted from (reached and purchased: flagged; upgraded: purchased); NULL when that is 0',
    uplift               Nullable(Float64) COMMENT 'Treatment rows of purchased and upgraded: rate_of_flagged minus control''s, proportion points 0-1; NULL otherwise or without a flagged control member',
    uplift_p             Nullable(Float64) COMMENT 'Two-sided p-value of uplift (two-proportion z-test); NULL as uplift',
    run_id               String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (campaign_id, `group`, step_no);

CREATE VIEW IF NOT EXISTS campaign_funnel_latest AS
SELECT * FROM campaign_funnel
WHERE as_of = (SELECT max(as_of) FROM snapshots)
  AND run_id = (SELECT any(run_id) FROM snapshots WHERE model = 'campaigns' AND as_of = (SELECT max(as_of) FROM snapshots));
