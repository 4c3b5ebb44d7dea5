-- The RFM section of the report (report.go).

-- name: grid
-- members and revenue per recency x frequency score cell.
SELECT
    toFloat64(r_score)        AS r,
    toFloat64(f_score)        AS f,
    toFloat64(count())        AS members,
    toFloat64(sum(monetary))  AS revenue
FROM rfm
WHERE as_of = toDate(@as_of)
GROUP BY r_score, f_score

-- name: segments
-- per named segment, members now and at the previous as_of,
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
