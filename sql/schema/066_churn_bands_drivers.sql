-- churn: risk bands from the score distribution, lapsed buyers, signed
-- drivers (issue 18). Comments only; each as_of is rewritten by its next
-- run.
ALTER TABLE churn COMMENT COLUMN churn_probability 'Probability of no paid order within the churn horizon after as_of; 1 for lapsed buyers (not scored)';
ALTER TABLE churn COMMENT COLUMN risk_band 'low, medium, high or critical: cut at the models.churn.risk_band_quantiles of the scored probabilities (default 40/30/20/10% of scored buyers), or at fixed models.churn.risk_bands; lapsed when the last paid order is more than models.churn.max_inactive_days before as_of';
ALTER TABLE churn COMMENT COLUMN driver_1 'Strongest reason for the score in words with its direction, (raises risk) or (lowers risk): the largest contribution, the 30- and 90-day counts of one event type counted as one; for lapsed buyers the lapse; empty when no feature contributes';
ALTER TABLE churn COMMENT COLUMN driver_2 'Second reason for the score, as driver_1; empty when none';
ALTER TABLE churn COMMENT COLUMN driver_3 'Third reason for the score, as driver_1; empty when none';
