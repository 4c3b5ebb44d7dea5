-- The CLV section of the report (report.go).

-- name: deciles
-- members, predicted value and past spend per CLV decile.
SELECT
    toFloat64(clv_decile)      AS decile,
    toFloat64(count())         AS members,
    toFloat64(sum(clv))        AS clv_sum,
    toFloat64(sum(monetary))   AS spend_sum,
    toFloat64(max(clv))        AS max_clv
FROM clv
WHERE as_of = toDate(@as_of)
GROUP BY clv_decile
ORDER BY clv_decile

-- name: histogram
-- members per CLV bin of width @width; the last bin
-- (@bins - 1) holds everything above.
SELECT
    toFloat64(least(floor(clv / @width), @bins - 1)) AS bin,
    toFloat64(count())                                AS members
FROM clv
WHERE as_of = toDate(@as_of)
GROUP BY bin
ORDER BY bin

-- name: p99
-- the 99th percentile of CLV, the top of the histogram's range.
SELECT toFloat64(quantile(0.99)(clv)) AS p99
FROM clv
WHERE as_of = toDate(@as_of)
