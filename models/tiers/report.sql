-- The tiers section of the report (report.go).

-- name: migration
-- members per (tier at the previous as_of, tier now); the
-- previous tier is empty for members without a row then. tier_rank gives
-- the order of the tiers (0 = entry level).
SELECT
    p.tier                        AS from_tier,
    toFloat64(p.tier_rank)        AS from_level,
    c.tier                        AS to_tier,
    toFloat64(c.tier_rank)        AS to_level,
    toFloat64(count())            AS members
FROM
(
    SELECT member_id, tier, tier_rank FROM tiers WHERE as_of = toDate(@as_of)
) AS c
ANY LEFT JOIN
(
    SELECT member_id, tier, tier_rank FROM tiers WHERE as_of = toDate(@prev)
) AS p USING member_id
GROUP BY from_tier, from_level, to_tier, to_level
