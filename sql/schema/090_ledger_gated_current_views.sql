-- A raw row is visible only once its file is published everywhere: the
-- _current views keep the rows whose file has a 'loaded' attempt in
-- load_files (docs/cluster.md, "Atomic publish"). A loader that stops
-- between two shards' attaches leaves rows that no view shows until a
-- reload of the file publishes it and writes the ledger. Rows not written
-- by a loader (file_id empty: hand inserts, tests) are not gated. GLOBAL
-- IN reads the ledger once on the initiator (load_files is a home table)
-- and ships the set to the shards; on one server it is a plain IN.
DROP TABLE IF EXISTS members_current; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL
WHERE file_id = '' OR file_id GLOBAL IN (SELECT file_id FROM load_files WHERE status = 'loaded');
DROP TABLE IF EXISTS orders_current;
CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL
WHERE file_id = '' OR file_id GLOBAL IN (SELECT file_id FROM load_files WHERE status = 'loaded');
DROP TABLE IF EXISTS events_current;
CREATE VIEW IF NOT EXISTS events_current AS SELECT * FROM events FINAL
WHERE file_id = '' OR file_id GLOBAL IN (SELECT file_id FROM load_files WHERE status = 'loaded');
DROP TABLE IF EXISTS order_items_current;
CREATE VIEW IF NOT EXISTS order_items_current AS SELECT * FROM order_items FINAL
WHERE file_id = '' OR file_id GLOBAL IN (SELECT file_id FROM load_files WHERE status = 'loaded');
DROP TABLE IF EXISTS campaign_members_current;
CREATE VIEW IF NOT EXISTS campaign_members_current AS SELECT * FROM campaign_members FINAL
WHERE file_id = '' OR file_id GLOBAL IN (SELECT file_id FROM load_files WHERE status = 'loaded');
