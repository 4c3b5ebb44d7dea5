-- clv_histogram: members per CLV bin of width @width; the last bin
-- (@bins - 1) holds everything above.
SELECT
    toFloat64(least(floor(clv / @width), @bins - 1)) AS bin,
    toFloat64(count())                                AS members
FROM clv
WHERE as_of = toDate(@as_of)
GROUP BY bin
ORDER BY bin
