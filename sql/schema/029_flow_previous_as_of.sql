-- lifecycle_flow and tier_migration: with no earlier run, previous_as_of
-- is now as_of itself (day 0 prints as 0000-00-00 on 18.16 but 1970-01-01
-- on 23+, so it is no longer used). Comment only; the data is rewritten
-- on the next run.
ALTER TABLE lifecycle_flow COMMENT COLUMN previous_as_of 'The as_of compared with: the latest earlier as_of in lifecycle; equal to as_of when there is none (every from_stage is then none)';
ALTER TABLE tier_migration COMMENT COLUMN previous_as_of 'The as_of compared with: the latest earlier as_of in tiers; equal to as_of when there is none (every from_tier is then none)';
