-- The potential section of the report (report.go).

-- name: reasons
-- high-potential members per reason, now and at the previous
-- as_of; the row with an empty reason counts members flagged for any
-- reason (a member can have several).
SELECT
    reason,
    toFloat64(uniqExactIf(member_id, as_of = toDate(@as_of))) AS members,
    toFloat64(uniqExactIf(member_id, as_of = toDate(@prev)))  AS members_prev
FROM potential
WHERE as_of IN (toDate(@as_of), toDate(@prev))
GROUP BY reason
UNION ALL
SELECT
    ''                                                        AS reason,
    toFloat64(uniqExactIf(member_id, as_of = toDate(@as_of))) AS members,
    toFloat64(uniqExactIf(member_id, as_of = toDate(@prev)))  AS members_prev
FROM potential
WHERE as_of IN (toDate(@as_of), toDate(@prev))
