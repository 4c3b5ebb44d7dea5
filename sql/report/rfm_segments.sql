-- rfm_segments: per named segment, members now and at the previous as_of,
-- revenue and mean recency, frequency and spend now.
SELECT
    segment,
    toFloat64(countIf(as_of = toDate(@as_of)))                   AS members,
    toFloat64(countIf(as_of = toDate(@prev)))                    AS members_prev,
    toFloat64(sumIf(monetary, as_of = toDate(@as_of)))           AS revenue,
    toFloat64(avgIf(recency_days, as_of = toDate(@as_of)))       AS avg_recency,
    toFloat64(avgIf(frequency, as_of = toDate(@as_of)))          AS avg_frequency
FROM rfm
WHERE as_of IN (toDate(@as_of), toDate(@prev))
GROUP BY segment
HAVING members > 0
ORDER BY revenue DESC
