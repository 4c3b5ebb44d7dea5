-- clv_deciles: members, predicted value and past spend per CLV decile.
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
