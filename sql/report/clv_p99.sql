-- clv_p99: the 99th percentile of CLV, the top of the histogram's range.
SELECT toFloat64(quantile(0.99)(clv)) AS p99
FROM clv
WHERE as_of = toDate(@as_of)
