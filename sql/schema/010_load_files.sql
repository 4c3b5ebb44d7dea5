-- load_files: the loaders' ledger, one row per attempt to load a file.
-- A file is identified by the sha256 of its bytes (file_id is a prefix of
-- it); it counts as loaded when any of its attempts has status 'loaded'.
-- An attempt's row is rewritten (a higher version) as it moves from
-- 'loading' to 'loaded' or 'failed'; read it with FINAL.
CREATE TABLE IF NOT EXISTS load_files
(
    file_id     String          COMMENT 'First 16 hex digits of sha256; the lineage file_id in members, orders and events',
    attempt_id  String          COMMENT 'One load attempt of the file (random hex)',
    sha256      String          COMMENT 'sha256 of the file bytes as read from disk (compressed files: of the compressed bytes), hex',
    path        String          COMMENT 'Path the file was loaded from',
    kind        String          COMMENT 'members, orders or events',
    format      String          COMMENT 'csv, ndjson or parquet',
    source      String          COMMENT 'Configured source name (loaders.sources), empty when none',
    bytes       UInt64          COMMENT 'Size of the file on disk in bytes',
    rows        UInt64          COMMENT 'Rows published to the raw table (0 until loaded)',
    rejected    UInt64          COMMENT 'Rows refused and written to load_rejects',
    status      String          COMMENT 'loading, loaded or failed',
    error       String          COMMENT 'Why the attempt failed, empty otherwise',
    forced      UInt8           COMMENT '1 when loaded with --force over an earlier load',
    started_at  DateTime('UTC') COMMENT 'When the attempt started (UTC)',
    finished_at DateTime('UTC') COMMENT 'When it ended (UTC); equals started_at while loading',
    version     UInt64          COMMENT 'Row version (unix nanoseconds); the latest row of an attempt wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (file_id, attempt_id);
