-- potential: members worth investing in before they show it. Three
-- reasons, each a row of the potential table:
--   clv_above_spend    CLV decile at least decile_gap above the past-spend
--                      decile (from the clv table of the same as_of);
--                      score = the decile gap
--   engaged_low_spend  exactly the members engagement flags (engagement
--                      .engaged_low_spend = 1: score_percentile >= 75 and
--                      365-day spend in the bottom half) in its rows of the
--                      same as_of and run dep_engagement; score =
--                      engagement.score (the 0-100 engagement percentile)
--   rising_value       more paid orders and a higher average order value in
--                      the last trend window than in the one before (both
--                      with orders); score = AOV ratio recent / before
--
-- Bound values: the window (as_of, as_of_end, tz, run_id), dep_clv and
-- dep_engagement (the runs of the dependencies), recent_since and
-- prev_since (UTC starts of the last and the previous trend window) and
-- decile_gap.

-- name: base
-- Per-member trend figures for members who joined on or before as_of.
CREATE TABLE {{base}} ENGINE = MergeTree() ORDER BY member_id AS
SELECT member_id, n_recent, v_recent, n_prev, v_prev
FROM
(
    SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
) AS m
ANY LEFT JOIN
(
    SELECT
        member_id,
        countIf(ordered_at >= toDateTime(@recent_since, 'UTC'))                         AS n_recent,
        sumIf(toFloat64(amount), ordered_at >= toDateTime(@recent_since, 'UTC'))        AS v_recent,
        countIf(ordered_at >= toDateTime(@prev_since, 'UTC') AND ordered_at < toDateTime(@recent_since, 'UTC'))                  AS n_prev,
        sumIf(toFloat64(amount), ordered_at >= toDateTime(@prev_since, 'UTC') AND ordered_at < toDateTime(@recent_since, 'UTC')) AS v_prev
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
    GROUP BY member_id
) AS o USING member_id

-- name: members
-- Members who joined by as_of, for model_metrics.
SELECT count() FROM {{base}}

-- name: clv_rows
SELECT count() FROM clv WHERE as_of = toDate(@as_of) AND run_id = @dep_clv

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, reason, score, run_id)
SELECT toDate(@as_of), member_id, reason, score, @run_id
FROM
(
    SELECT member_id, 'clv_above_spend' AS reason, toFloat64(toInt16(clv_decile) - toInt16(spend_decile)) AS score
    FROM clv
    WHERE as_of = toDate(@as_of) AND run_id = @dep_clv AND toInt16(clv_decile) - toInt16(spend_decile) >= @decile_gap
    UNION ALL
    SELECT member_id, 'engaged_low_spend' AS reason, score
    FROM engagement
    WHERE as_of = toDate(@as_of) AND run_id = @dep_engagement AND engaged_low_spend = 1
    UNION ALL
    SELECT member_id, 'rising_value' AS reason, (v_recent / n_recent) / (v_prev / n_prev) AS score
    FROM {{base}}
    WHERE n_prev > 0 AND n_recent > n_prev AND v_recent / n_recent > v_prev / n_prev
)

-- name: counts
-- Members per reason of the published partition, for model_metrics.
SELECT reason, count() FROM potential WHERE as_of = toDate(@as_of) GROUP BY reason
