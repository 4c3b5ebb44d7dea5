-- columns: every column of every table and view in the current database,
-- so the report can tell a missing model table (or an older schema) from
-- a failure.
SELECT table, name
FROM system.columns
WHERE database = currentDatabase()
