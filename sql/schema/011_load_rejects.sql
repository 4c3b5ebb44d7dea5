-- load_rejects: rows the loaders refused, with why. The rest of the file
-- loads unless the rejected share passes loaders.max_reject_ratio. At most
-- 100000 rejects are kept per attempt; load_files.rejected has the count.
CREATE TABLE IF NOT EXISTS load_rejects
(
    file_id     String          COMMENT 'load_files.file_id of the file',
    attempt_id  String          COMMENT 'load_files.attempt_id of the attempt that refused the row',
    line        UInt64          COMMENT 'Line (CSV, NDJSON; 1 is the first line of the file) or row number (Parquet, 1-based)',
    column      String          COMMENT 'Canonical column at fault, empty when the whole row is bad',
    reason      String          COMMENT 'What is wrong: missing, unparsable, negative amount, future timestamp, ...',
    raw         String          COMMENT 'The offending text (the field, or the row when the row is bad), cut at 1000 bytes',
    rejected_at DateTime('UTC') COMMENT 'When it was refused (UTC)'
)
ENGINE = MergeTree()
ORDER BY (file_id, attempt_id, line);
