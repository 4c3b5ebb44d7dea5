-- The order_count section of the report (report.go).

-- name: buckets
-- members by paid orders in the window at the as_of and the previous
-- as_of: 1, 2, 3, 4 and 5 or more.
SELECT toString(as_of) AS d, toUInt8(least(orders, 5)) AS bucket, toFloat64(count()) AS members
FROM order_count
WHERE as_of IN (toDate(@as_of), toDate(@prev))
GROUP BY d, bucket
ORDER BY d, bucket
