-- member_profile: one wide row per member who joined by as_of, LEFT JOINing
-- every model's output table for the same as_of, reading exactly the run
-- of each dependency that RunOne checked (@dep_<model>; '' for a model
-- that is not a dependency, which then contributes no rows);
-- segment_members: the named segments of those rows, one row per family,
-- segment and member.

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, joined_at, gender, region, channel, source_tier, first_order_at, cohort_month,
    recency_days, frequency, monetary, orders_total, aov, aov_trend, r_score, f_score, m_score, rfm_segment, value_layer,
    engagement_score, engagement_percentile, engaged_low_spend, lifecycle_stage, tier, tier_movement, tier_progress,
    near_upgrade, clv, churn_probability, churn_risk_band, run_id)
SELECT
    toDate(@as_of), member_id, joined_at, gender, region, channel, source_tier,
    if(has_rfm = 1, first_order_at, NULL),
    if(has_rfm = 1, toStartOfMonth(toDate(first_order_at, @tz)), NULL),
    recency_days, frequency, monetary, orders_total, aov, if(has_rfm = 1, aov_trend, NULL),
    r_score, f_score, m_score, rfm_segment, value_layer,
    engagement_score, engagement_percentile, engaged_low_spend, lifecycle_stage, tier, tier_movement, tier_progress,
    near_upgrade,
    if(has_clv = 1, clv_value, NULL),
    if(has_churn = 1, churn_p, NULL),
    if(has_churn = 1, churn_risk_band, NULL),
    @run_id
FROM
(
    SELECT * FROM
    (
        SELECT * FROM
        (
            SELECT * FROM
            (
                SELECT * FROM
                (
                    SELECT * FROM
                    (
                        SELECT member_id, joined_at, gender, region, channel, source_tier
                        FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
                    ) AS m
                    ANY LEFT JOIN
                    (
                        SELECT member_id, first_order_at, recency_days, frequency, monetary, orders_total, aov, aov_trend,
                            r_score, f_score, m_score, segment AS rfm_segment, value_layer, toUInt8(1) AS has_rfm
                        FROM rfm WHERE as_of = toDate(@as_of) AND run_id = @dep_rfm
                    ) AS r USING (member_id)
                ) AS l1
                ANY LEFT JOIN
                (
                    SELECT member_id, score AS engagement_score, score_percentile AS engagement_percentile, engaged_low_spend
                    FROM engagement WHERE as_of = toDate(@as_of) AND run_id = @dep_engagement
                ) AS e USING (member_id)
            ) AS l2
            ANY LEFT JOIN
            (
                SELECT member_id, stage AS lifecycle_stage FROM lifecycle WHERE as_of = toDate(@as_of) AND run_id = @dep_lifecycle
            ) AS lc USING (member_id)
        ) AS l3
        ANY LEFT JOIN
        (
            SELECT member_id, tier, movement AS tier_movement, progress AS tier_progress, near_upgrade
            FROM tiers WHERE as_of = toDate(@as_of) AND run_id = @dep_tiers
        ) AS t USING (member_id)
    ) AS l4
    ANY LEFT JOIN
    (
        SELECT member_id, clv AS clv_value, toUInt8(1) AS has_clv FROM clv WHERE as_of = toDate(@as_of) AND run_id = @dep_clv
    ) AS c USING (member_id)
) AS l5
ANY LEFT JOIN
(
    SELECT member_id, churn_probability AS churn_p, risk_band AS churn_risk_band, toUInt8(1) AS has_churn
    FROM churn WHERE as_of = toDate(@as_of) AND run_id = @dep_churn
) AS ch USING (member_id)

-- name: segments
INSERT INTO {{stage}} (as_of, family, segment, member_id, run_id)
SELECT as_of, f.1, f.2, member_id, @run_id
FROM
(
    SELECT as_of, member_id,
        arrayJoin([('rfm_segment', rfm_segment), ('value_layer', value_layer), ('lifecycle_stage', lifecycle_stage),
                   ('tier', tier), ('engagement', if(engaged_low_spend = 1, 'engaged_low_spend', '')),
                   ('churn_risk_band', ifNull(churn_risk_band, ''))]) AS f
    FROM member_profile
    WHERE as_of = toDate(@as_of)
)
WHERE f.2 != ''
UNION ALL
-- High-potential members (model potential), one segment per reason; none
-- when potential is not a dependency or was skipped for this as_of. The subquery keeps the
-- constants on the initiator in cluster mode (potential is Distributed
-- there; 18.16 refuses constants that come back from the shards as
-- columns, code 171).
SELECT as_of, 'potential', reason, member_id, @run_id
FROM (SELECT as_of, reason, member_id FROM potential WHERE as_of = toDate(@as_of) AND run_id = @dep_potential)
UNION ALL
-- Birthdays and membership anniversaries in the coming days (model
-- occasions), segment birthday or anniversary; none when occasions is not
-- a dependency. The date is in the occasions table.
SELECT as_of, 'occasion', occasion, member_id, @run_id
FROM (SELECT as_of, occasion, member_id FROM occasions WHERE as_of = toDate(@as_of) AND run_id = @dep_occasions)
UNION ALL
-- Preferred category (model category_affinity), one segment per level a
-- member has one: the category path (beauty, beauty/skincare,
-- beauty/skincare/serum); none when category_affinity is not a dependency.
SELECT as_of, 'preferred_category', category, member_id, @run_id
FROM (SELECT as_of, category, member_id FROM category_affinity
      WHERE as_of = toDate(@as_of) AND run_id = @dep_category_affinity AND is_preferred = 1)

-- name: summary
SELECT family, segment, toFloat64(count()) FROM segment_members WHERE as_of = toDate(@as_of) GROUP BY family, segment
