-- The category preference section of the report (report.go).

-- name: category_tier
-- members per preferred top-level category (category_affinity, level 1)
-- and tier (tiers) at the as_of; tier_rank orders the tiers (0 = entry
-- level). Members without a preferred category are left out.
SELECT
    category,
    t.tier                  AS tier,
    toFloat64(t.tier_rank)  AS tier_level,
    toFloat64(count())      AS members
FROM
(
    SELECT member_id, category FROM category_affinity
    WHERE as_of = toDate(@as_of) AND level = 1 AND is_preferred = 1
) AS c
ALL INNER JOIN
(
    SELECT member_id, tier, tier_rank FROM tiers WHERE as_of = toDate(@as_of)
) AS t USING member_id
GROUP BY category, tier, tier_level
