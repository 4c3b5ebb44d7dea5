-- rfm_grid: members and revenue per recency x frequency score cell.
SELECT
    toFloat64(r_score)        AS r,
    toFloat64(f_score)        AS f,
    toFloat64(count())        AS members,
    toFloat64(sum(monetary))  AS revenue
FROM rfm
WHERE as_of = toDate(@as_of)
GROUP BY r_score, f_score
