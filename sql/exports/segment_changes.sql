-- segment_changes: members whose segment in a family differs between the
-- previous exported as_of (bound 2nd and 3rd, 1970-01-01 when none; its
-- snapshot's member_profile run 4th) and this as_of (bound 1st and 5th;
-- its run 6th). One row per (family, member_id) that
-- changed: previous_segment is '' for a member who entered the family,
-- new_segment is '' for one who left it. A family that puts a member in
-- several segments at once gets them sorted and joined with ','.
--
-- UNION ALL + GROUP BY rather than a FULL JOIN: it means the same on
-- ClickHouse 18.16 and 23.8+ (no join strictness, USING-key or
-- join_use_nulls differences) and needs no hash table of either side.
SELECT
    toDate(?) AS as_of,
    nullIf(toDate(?), toDate('1970-01-01')) AS previous_as_of,
    family,
    member_id,
    previous_segment,
    new_segment,
    multiIf(previous_segment = '', 'entered', new_segment = '', 'exited', 'moved') AS change
FROM
(
    SELECT
        family,
        member_id,
        arrayStringConcat(arraySort(groupUniqArrayIf(segment, side = 0)), ',') AS previous_segment,
        arrayStringConcat(arraySort(groupUniqArrayIf(segment, side = 1)), ',') AS new_segment
    FROM
    (
        SELECT family, member_id, segment, toUInt8(0) AS side
        FROM segment_members
        WHERE as_of = toDate(?) AND run_id = ?
        UNION ALL
        SELECT family, member_id, segment, toUInt8(1) AS side
        FROM segment_members
        WHERE as_of = toDate(?) AND run_id = ?
    )
    GROUP BY family, member_id
)
WHERE previous_segment != new_segment
