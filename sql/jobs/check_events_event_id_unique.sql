-- Failing rows: event ids that appear more than once after deduplication.
SELECT toUInt64(count() - uniqExact(event_id)) FROM events_current
