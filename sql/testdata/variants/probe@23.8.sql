-- For 23.8 and newer: a window function, which ClickHouse 18.16 rejects.
SELECT 'since 23.8' AS variant, toUInt64(count() OVER ()) AS n FROM system.one
