-- cohorts: retention cells, one row per cohort, period type and period
-- since the cohort started, for periods started by as_of. Pivot cohort x
-- period for the classic triangle.
CREATE TABLE IF NOT EXISTS cohorts
(
    as_of                  Date           COMMENT 'Business date the row is for (inclusive, business time zone)',
    cohort_by              String         COMMENT 'first_order (cohort = period of the first paid order) or join (period of joined_at); models.cohorts.by',
    period_type            String         COMMENT 'month or week (weeks start on Monday)',
    cohort                 Date           COMMENT 'First day of the cohort month or week (business time zone)',
    period                 UInt32         COMMENT 'Months or weeks since the cohort period (0 = the cohort period itself)',
    period_start           Date           COMMENT 'First day of this period',
    cohort_size            UInt64         COMMENT 'Members in the cohort',
    active_members         UInt64         COMMENT 'Cohort members with at least one paid order in this period',
    retention_rate         Float64        COMMENT 'active_members / cohort_size',
    revenue                Decimal(18, 2) COMMENT 'Net paid amount of the cohort in this period',
    revenue_retention      Float64        COMMENT 'revenue / revenue of period 0 (0 when period 0 had no revenue)',
    repeat_members         UInt64         COMMENT 'Cohort members whose second paid order happened by the end of this period (cumulative)',
    cumulative_repeat_rate Float64        COMMENT 'repeat_members / cohort_size',
    run_id                 String         COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (cohort_by, period_type, cohort, period);

CREATE VIEW IF NOT EXISTS cohorts_latest AS
SELECT * FROM cohorts WHERE as_of = (SELECT max(as_of) FROM cohorts);
