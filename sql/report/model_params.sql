-- model_params: every value the models recorded for the as_of (windows,
-- horizons, thresholds, fits), for the definitions boxes.
SELECT model, name, value
FROM model_params
WHERE as_of = toDate(@as_of)
