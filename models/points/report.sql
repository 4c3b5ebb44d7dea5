-- The points section of the report (report.go).

-- name: programme
-- the points programme per tier (and all) at the as_of and the
-- previous one, tiers in level order after all; NaN where a rate has no
-- denominator.
SELECT
    toString(as_of)                          AS d,
    tier,
    toFloat64(members)                       AS members,
    outstanding,
    liability,
    ifNull(earn_per_active_member, nan)      AS earn_per_active,
    ifNull(redemption_rate, nan)             AS redemption,
    ifNull(breakage_window, nan)             AS breakage,
    ifNull(breakage_settled, nan)            AS settled,
    currency,
    toFloat64(window_days)                   AS window_days
FROM points_programme AS p
ANY LEFT JOIN
(
    SELECT tier, toUInt16(min(tier_rank)) + 1 AS rank FROM tiers WHERE as_of = toDate(@as_of) GROUP BY tier
) AS r USING (tier)
WHERE as_of IN (toDate(@as_of), toDate(@prev))
ORDER BY d, rank, tier
