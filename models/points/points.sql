-- points: each member's points account at the end of as_of and the
-- programme's figures per tier. Points are the value of points_earned,
-- points_redeemed and points_expired events; @window_start is the first
-- instant of the window (models.points.window_days days up to as_of).

-- name: balance
INSERT INTO {{stage}} (as_of, member_id, tier, earned_total, redeemed_total, expired_total, balance, liability,
    earned_window, redeemed_window, expired_window, last_event_at, run_id)
SELECT toDate(@as_of), member_id, tier, earned_total, redeemed_total, expired_total,
    earned_total - redeemed_total - expired_total,
    (earned_total - redeemed_total - expired_total) * @value_per_point,
    earned_window, redeemed_window, expired_window, last_event_at, @run_id
FROM
(
    SELECT member_id,
        sumIf(value, event_type = 'points_earned') AS earned_total,
        sumIf(value, event_type = 'points_redeemed') AS redeemed_total,
        sumIf(value, event_type = 'points_expired') AS expired_total,
        sumIf(value, event_type = 'points_earned' AND event_time >= toDateTime(@window_start, 'UTC')) AS earned_window,
        sumIf(value, event_type = 'points_redeemed' AND event_time >= toDateTime(@window_start, 'UTC')) AS redeemed_window,
        sumIf(value, event_type = 'points_expired' AND event_time >= toDateTime(@window_start, 'UTC')) AS expired_window,
        max(event_time) AS last_event_at
    FROM events_current
    WHERE event_type IN ('points_earned', 'points_redeemed', 'points_expired') AND event_time < toDateTime(@as_of_end, 'UTC')
    GROUP BY member_id
) AS p
ANY LEFT JOIN
(
    SELECT member_id, tier FROM tiers WHERE as_of = toDate(@as_of) AND run_id = @dep_tiers
) AS t USING (member_id)

-- name: programme
-- One row per tier and one for all. The aggregation runs in the inner
-- query; the outer one adds the bound constants, so in cluster mode they
-- stay on the initiator (points_balance is Distributed there).
INSERT INTO {{stage}} (as_of, tier, window_days, members, members_with_balance, active_members, outstanding, value_per_point,
    currency, liability, earned_window, redeemed_window, expired_window, earn_per_active_member, redemption_rate,
    breakage_window, earned_total, redeemed_total, expired_total, breakage_settled, run_id)
SELECT toDate(@as_of), tier, toUInt16(@window_days), members, members_with_balance, active_members, outstanding,
    toFloat64(@value_per_point), @currency, outstanding * @value_per_point,
    earned_window, redeemed_window, expired_window,
    earned_window / nullIf(toFloat64(active_members), 0),
    redeemed_window / nullIf(earned_window, 0),
    expired_window / nullIf(earned_window, 0),
    earned_total, redeemed_total, expired_total,
    expired_total / nullIf(redeemed_total + expired_total, 0),
    @run_id
FROM
(
    SELECT g AS tier, count() AS members, countIf(m_balance > 0) AS members_with_balance,
        countIf(m_earned_window != 0 OR m_redeemed_window != 0 OR m_expired_window != 0) AS active_members,
        sum(m_balance) AS outstanding, sum(m_earned_window) AS earned_window, sum(m_redeemed_window) AS redeemed_window,
        sum(m_expired_window) AS expired_window, sum(m_earned_total) AS earned_total, sum(m_redeemed_total) AS redeemed_total,
        sum(m_expired_total) AS expired_total
    FROM
    (
        SELECT arrayJoin([tier, 'all']) AS g, balance AS m_balance, earned_window AS m_earned_window,
            redeemed_window AS m_redeemed_window, expired_window AS m_expired_window, earned_total AS m_earned_total,
            redeemed_total AS m_redeemed_total, expired_total AS m_expired_total
        FROM points_balance WHERE as_of = toDate(@as_of) AND run_id = @run_id
    )
    GROUP BY g
)

-- name: summary
-- The all row's figures; zeros when no member has a points event.
SELECT sum(members), sum(members_with_balance), sum(active_members), sum(outstanding), sum(liability), sum(earned_window),
    sum(redeemed_window), sum(expired_window), sum(ifNull(earn_per_active_member, 0)), sum(ifNull(redemption_rate, 0)),
    sum(ifNull(breakage_window, 0)), sum(ifNull(breakage_settled, 0))
FROM {{stage}} WHERE tier = 'all'

-- name: negative
SELECT count() FROM points_balance WHERE as_of = toDate(@as_of) AND run_id = @run_id AND balance < 0
