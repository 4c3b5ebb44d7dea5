CREATE TABLE order_count
(
    as_of     Date   COMMENT 'The as_of date of the run',
    member_id String COMMENT 'Member',
    orders    UInt64 COMMENT 'Paid orders in the window up to the end of as_of',
    run_id    String COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id
