-- segment_exits: per family of the previous snapshot (as_of bound 1st,
-- its member_profile run 2nd), how many members it had and how many of
-- them are in no segment of the family at this as_of (bound 3rd, its run
-- 4th). An export refuses a family whose exits exceed
-- exports.max_exit_share of its previous members.
SELECT family, toUInt64(count()) AS previous_members, toUInt64(countIf(is_in = 0)) AS exited
FROM
(
    SELECT family, member_id, min(side) = 0 AS was_in, max(side) = 1 AS is_in
    FROM
    (
        SELECT DISTINCT family, member_id, toUInt8(0) AS side
        FROM segment_members
        WHERE as_of = toDate(?) AND run_id = ?
        UNION ALL
        SELECT DISTINCT family, member_id, toUInt8(1) AS side
        FROM segment_members
        WHERE as_of = toDate(?) AND run_id = ?
    )
    GROUP BY family, member_id
)
WHERE was_in = 1
GROUP BY family
ORDER BY family
