-- The lifecycle section of the report (report.go).

-- name: flow
-- members per (stage at the previous as_of, stage now);
-- the previous stage is empty for members new to the table.
SELECT
    p.stage             AS from_stage,
    c.stage             AS to_stage,
    toFloat64(count())  AS members
FROM
(
    SELECT member_id, stage FROM lifecycle WHERE as_of = toDate(@as_of)
) AS c
ANY LEFT JOIN
(
    SELECT member_id, stage FROM lifecycle WHERE as_of = toDate(@prev)
) AS p USING member_id
GROUP BY from_stage, to_stage
