-- as_ofs_parts: the as_of partitions of one model table on or before the
-- report's as_of, newest first, from the parts' metadata: no table data is
-- read, however many as_ofs the table holds. A table partitioned by as_of
-- names its partitions YYYY-MM-DD. Tables without local parts (Distributed,
-- views) return nothing and the report falls back to as_ofs.sql.
SELECT partition AS d
FROM system.parts
WHERE database = currentDatabase()
  AND table = @table
  AND active
  AND rows > 0
  AND partition <= @as_of
GROUP BY partition
ORDER BY partition DESC
LIMIT 2
