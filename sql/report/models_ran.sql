-- models_ran: the models with a succeeded run for the as_of. A model
-- table without rows for the as_of is empty, not missing, when its model
-- is listed here: the run published an empty result.
SELECT DISTINCT model
FROM model_runs
WHERE as_of = toDate(@as_of) AND status = 'succeeded'
