-- load_leases: who is loading which file. A load claims a file by
-- inserting a row, reads the file's claims back, and goes on only when
-- its claim wins: the live claim (not released, not past expires_at)
-- with the smallest (claim_ns, attempt_id). It renews expires_at while it
-- stages, checks again (and marks its claim 'publishing') just before the
-- ATTACH, and releases the claim at the end. ClickHouse has no
-- transactions; this read-back protocol makes a file published at most
-- once (loaders/lease.go). An attempt's row is rewritten (a higher
-- version) as its state changes; read it with FINAL.
CREATE TABLE IF NOT EXISTS load_leases
(
    file_id    String          COMMENT 'load_files.file_id of the file claimed',
    attempt_id String          COMMENT 'load_files.attempt_id of the attempt holding or asking for the lease',
    owner      String          COMMENT 'Who runs the attempt: host:pid of the memberlytics process',
    claimed_at DateTime('UTC') COMMENT 'When the claim was made (UTC)',
    claim_ns   UInt64          COMMENT 'When the claim was made (unix nanoseconds); the earliest live claim wins, ties by attempt_id',
    expires_at DateTime('UTC') COMMENT 'When the lease lapses unless renewed (UTC); a lapsed lease lets another attempt load the file and the sweep drop its stage',
    state      String          COMMENT 'claimed, publishing (checked and attaching) or released',
    version    UInt64          COMMENT 'Row version (unix nanoseconds); the latest row of an attempt wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (file_id, attempt_id);
