-- model_metrics: the figures one model recorded for the as_of.
SELECT metric, value
FROM model_metrics
WHERE as_of = toDate(@as_of) AND model = @model
