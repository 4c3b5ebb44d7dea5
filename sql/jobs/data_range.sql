-- Data range: the first and newest paid order or event, and how many
-- there are. An as_of outside [first, newest] (as business dates) would
-- publish outputs computed from no data.
SELECT
    minIf(r.lo, r.cnt > 0) AS first,
    maxIf(r.hi, r.cnt > 0) AS last,
    sum(r.cnt) AS n
FROM
(
    SELECT min(ordered_at) AS lo, max(ordered_at) AS hi, count() AS cnt
    FROM orders_current
    WHERE status = 'paid'
    UNION ALL
    SELECT min(event_time) AS lo, max(event_time) AS hi, count() AS cnt
    FROM events_current
) AS r
