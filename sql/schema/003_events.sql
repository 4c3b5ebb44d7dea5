-- events: member interactions. event_id comes from the source or, when the
-- source has none, from a hash of the row, so a file loaded twice with
-- --force does not double-count. Read events_current.
CREATE TABLE IF NOT EXISTS events
(
    event_id   String          COMMENT 'Event key: from the source, or a hash of the row when it has none',
    member_id  String          COMMENT 'Member the event belongs to',
    event_time DateTime('UTC') COMMENT 'When it happened (UTC)',
    event_type String          COMMENT 'login, page_view, product_view, add_to_cart, campaign_open, campaign_click, review, share, referral, checkin, points_earned, points_redeemed, nps_survey, or any other string',
    value      Float64         COMMENT 'Numeric value of the event (points, NPS score, ...), 0 when not given',
    properties String          COMMENT 'Other attributes as a JSON object, {} when not given',
    file_id    String          COMMENT 'Lineage: load_files.file_id of the file this row came from',
    loaded_at  DateTime('UTC') COMMENT 'Lineage: when this row was loaded (UTC)'
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY event_id;
