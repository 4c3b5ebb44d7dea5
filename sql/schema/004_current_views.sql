-- Deduplicated reads: one row per key, the latest version. Every model
-- reads these views, never the raw tables, so no key is counted twice
-- before background merges happen.
CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL;
CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL;
CREATE VIEW IF NOT EXISTS events_current AS SELECT * FROM events FINAL;
