-- tiers: one review rule (issue 18). A level is held review_days from the
-- day it was reached or last reviewed, no longer from the last day the
-- member still qualified; at review it is renewed or lowered by at most
-- models.tiers.max_downgrade_levels. Comments only; each as_of is
-- rewritten by its next run.
ALTER TABLE tiers COMMENT COLUMN tier 'Level held (models.tiers.levels): upgraded as soon as qualified; held review_days from last_qualified, then renewed or lowered by at most models.tiers.max_downgrade_levels; the first row of a member starts at the higher of the qualified level and source_tier';
ALTER TABLE tiers COMMENT COLUMN last_qualified 'Start of the current review period: the as_of the member reached tier or was last reviewed (not moved by later qualifying days)';
ALTER TABLE tiers COMMENT COLUMN review_date 'last_qualified + models.tiers.review_days: the first as_of at which tier is reviewed (renewed if still qualified, else lowered)';
