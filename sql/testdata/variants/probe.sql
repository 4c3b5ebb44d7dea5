-- Portable baseline: runs on ClickHouse 18.16 and every later version.
SELECT 'baseline' AS variant, toUInt64(count()) AS n FROM system.one
