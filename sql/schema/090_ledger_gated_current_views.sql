-- A loaded row is visible only once its file is published everywhere:
-- the _current views hide the rows of a file that load_files knows and
-- that has no 'loaded' attempt (docs/cluster.md, "Atomic publish"). A
-- loader writes its attempt's ledger row before staging, so one that stops
-- between two shards' attaches leaves rows no view shows until a reload
-- publishes the file and writes the ledger. Rows of a file_id the ledger
-- does not know (inserted by hand, test fixtures) stay visible. GLOBAL
-- NOT IN reads the ledger once on the initiator (load_files is a home
-- table) and ships the set to the shards; on one server it is NOT IN.
DROP TABLE IF EXISTS members_current; -- 18.16 has no DROP VIEW
CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL
WHERE file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0);
DROP TABLE IF EXISTS orders_current;
CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL
WHERE file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0);
DROP TABLE IF EXISTS events_current;
CREATE VIEW IF NOT EXISTS events_current AS SELECT * FROM events FINAL
WHERE file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0);
DROP TABLE IF EXISTS order_items_current;
CREATE VIEW IF NOT EXISTS order_items_current AS SELECT * FROM order_items FINAL
WHERE file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0);
DROP TABLE IF EXISTS campaign_members_current;
CREATE VIEW IF NOT EXISTS campaign_members_current AS SELECT * FROM campaign_members FINAL
WHERE file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0);
