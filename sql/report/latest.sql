-- latest: the newest as_of of one model table. {table} is a table name from
-- the report's allow-list, quoted.
SELECT toString(max(as_of)) AS d, toFloat64(count()) AS n
FROM {table}
