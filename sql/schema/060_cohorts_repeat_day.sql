-- cohorts: a repeat member now has a second purchase day (two orders on one
-- business day are one purchase day), and in join mode purchase days before
-- the join period no longer count (a second order before the join month
-- wrapped to a huge period). Comment only; rows are rewritten on the next run.
ALTER TABLE cohorts COMMENT COLUMN repeat_members 'Cohort members whose second purchase day (models/README.md, repurchase) from the cohort period on fell by the end of this period (cumulative)';
ALTER TABLE cohorts COMMENT COLUMN cumulative_repeat_rate 'repeat_members / cohort_size: the cohort''s repurchase rate by this period';
