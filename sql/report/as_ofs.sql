-- as_ofs: the as_of partitions of one model table on or before the
-- report's as_of, newest first (the report's and the previous one).
-- {{table}} is a table name from the report's allow-list, quoted.
SELECT toString(as_of) AS d
FROM {{table}}
WHERE as_of <= toDate(@as_of)
GROUP BY as_of
ORDER BY as_of DESC
LIMIT 2
