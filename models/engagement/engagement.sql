-- engagement: event counts over the last 30 and 90 days (ending at the end
-- of as_of, business time zone), a weighted score and its percentile, for
-- every member who joined by as_of.
--
-- points_earned events mirror orders: they are reported (points_earned_90d)
-- but are no engagement: they count toward neither sessions nor the score.
-- A session is a business day with at least one other event. weighted_90d
-- sums 90-day counts times models.engagement.weights (points_redeemed by
-- number of events, not points). score is a percentile, so one outlier does not rescale everyone:
-- 100 x members with a weighted_90d at or below the member's / members, 0
-- when weighted_90d is 0. score_percentile = 100 x members with a strictly
-- lower weighted_90d / members (ties share the lower value).
-- engaged_low_spend = score_percentile >= 75 and fewer than half of the
-- members spend strictly less (net paid spend over 365 days); potential's
-- engaged_low_spend reason is this flag.

-- name: base_create
CREATE TABLE {{scratch}}
(
    member_id String,
    logins_30d UInt32, logins_90d UInt32, sessions_30d UInt32, sessions_90d UInt32,
    campaign_opens_30d UInt32, campaign_opens_90d UInt32, campaign_clicks_30d UInt32, campaign_clicks_90d UInt32,
    reviews_90d UInt32, shares_90d UInt32, referrals_90d UInt32, checkins_90d UInt32,
    points_earned_90d Float64, points_redeemed_90d Float64, points_earned_n UInt32, points_redeemed_n UInt32,
    nps_answers_90d UInt32, nps_last Float64, has_nps UInt8,
    weighted_90d Float64,
    spend_365d Decimal(18, 2)
) ENGINE = Memory

-- name: base_fill
INSERT INTO {{scratch}} (member_id, logins_30d, logins_90d, sessions_30d, sessions_90d,
    campaign_opens_30d, campaign_opens_90d, campaign_clicks_30d, campaign_clicks_90d,
    reviews_90d, shares_90d, referrals_90d, checkins_90d,
    points_earned_90d, points_redeemed_90d, points_earned_n, points_redeemed_n,
    nps_answers_90d, nps_last, has_nps, weighted_90d, spend_365d)
SELECT
    member_id, logins_30d, logins_90d, sessions_30d, sessions_90d,
    campaign_opens_30d, campaign_opens_90d, campaign_clicks_30d, campaign_clicks_90d,
    reviews_90d, shares_90d, referrals_90d, checkins_90d,
    points_earned_90d, points_redeemed_90d, points_earned_n, points_redeemed_n,
    nps_answers_90d, nps_last, has_nps,
    @w_login * logins_90d + @w_session * sessions_90d + @w_campaign_open * campaign_opens_90d
        + @w_campaign_click * campaign_clicks_90d + @w_review * reviews_90d + @w_share * shares_90d
        + @w_referral * referrals_90d + @w_checkin * checkins_90d
        + @w_points_redeemed * points_redeemed_n + @w_nps_survey * nps_answers_90d,
    spend_365d
FROM
(
    SELECT * FROM
    (
        SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
    ) AS l1
    ANY LEFT JOIN
    (
        -- One pass over events: the 90-day window, plus every earlier
        -- nps_survey for nps_last (events FINAL is the expensive read).
        SELECT
            member_id,
            toUInt32(countIf(event_type = 'login' AND event_time >= toDateTime(@start_30, 'UTC'))) AS logins_30d,
            toUInt32(countIf(event_type = 'login' AND in90)) AS logins_90d,
            toUInt32(uniqExactIf(toDate(event_time, @tz), event_time >= toDateTime(@start_30, 'UTC') AND event_type != 'points_earned')) AS sessions_30d,
            toUInt32(uniqExactIf(toDate(event_time, @tz), in90 AND event_type != 'points_earned')) AS sessions_90d,
            toUInt32(countIf(event_type = 'campaign_open' AND event_time >= toDateTime(@start_30, 'UTC'))) AS campaign_opens_30d,
            toUInt32(countIf(event_type = 'campaign_open' AND in90)) AS campaign_opens_90d,
            toUInt32(countIf(event_type = 'campaign_click' AND event_time >= toDateTime(@start_30, 'UTC'))) AS campaign_clicks_30d,
            toUInt32(countIf(event_type = 'campaign_click' AND in90)) AS campaign_clicks_90d,
            toUInt32(countIf(event_type = 'review' AND in90)) AS reviews_90d,
            toUInt32(countIf(event_type = 'share' AND in90)) AS shares_90d,
            toUInt32(countIf(event_type = 'referral' AND in90)) AS referrals_90d,
            toUInt32(countIf(event_type = 'checkin' AND in90)) AS checkins_90d,
            sumIf(value, event_type = 'points_earned' AND in90) AS points_earned_90d,
            sumIf(value, event_type = 'points_redeemed' AND in90) AS points_redeemed_90d,
            toUInt32(countIf(event_type = 'points_earned' AND in90)) AS points_earned_n,
            toUInt32(countIf(event_type = 'points_redeemed' AND in90)) AS points_redeemed_n,
            toUInt32(countIf(event_type = 'nps_survey' AND in90)) AS nps_answers_90d,
            argMaxIf(value, event_time, event_type = 'nps_survey') AS nps_last,
            toUInt8(countIf(event_type = 'nps_survey') > 0) AS has_nps
        FROM
        (
            SELECT member_id, event_time, event_type, value, event_time >= toDateTime(@start_90, 'UTC') AS in90
            FROM events_current
            WHERE event_time < toDateTime(@as_of_end, 'UTC')
              AND (event_time >= toDateTime(@start_90, 'UTC') OR event_type = 'nps_survey')
        )
        GROUP BY member_id
    ) AS r6 USING (member_id)
) AS l3
ANY LEFT JOIN
(
    SELECT member_id, sum(amount) AS spend_365d
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at >= toDateTime(@start_365, 'UTC') AND ordered_at < toDateTime(@as_of_end, 'UTC')
    GROUP BY member_id
) AS r8 USING (member_id)

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, logins_30d, logins_90d, sessions_30d, sessions_90d,
    campaign_opens_30d, campaign_opens_90d, campaign_clicks_30d, campaign_clicks_90d,
    reviews_90d, shares_90d, referrals_90d, checkins_90d, points_earned_90d, points_redeemed_90d,
    nps_answers_90d, nps_last, weighted_90d, score, score_percentile, spend_365d, engaged_low_spend, run_id)
SELECT
    toDate(@as_of), member_id, logins_30d, logins_90d, sessions_30d, sessions_90d,
    campaign_opens_30d, campaign_opens_90d, campaign_clicks_30d, campaign_clicks_90d,
    reviews_90d, shares_90d, referrals_90d, checkins_90d, points_earned_90d, points_redeemed_90d,
    nps_answers_90d, if(has_nps = 1, nps_last, NULL), weighted_90d,
    if(weighted_90d > 0, 100 * w_upto / n, 0),
    100 * w_below / n,
    spend_365d,
    toUInt8(100 * w_below / n >= 75 AND s_below / n < 0.5),
    @run_id
FROM
(
    SELECT * FROM
    (
        SELECT *, (SELECT count() FROM {{scratch}}) AS n,
            toFloat64(weighted_90d) AS wk, toFloat64(spend_365d) AS sk
        FROM {{scratch}}
    ) AS l4
    ANY LEFT JOIN
    (
        SELECT v AS wk, cu - cc AS w_below, cu AS w_upto FROM
            (
                -- sorted distinct keys and their counts; cu - cc = members with a smaller key.
                -- Float64 keys: 18.16 sorts Decimal and tuple arrays very slowly.
                SELECT arraySort(groupArray(k)) AS vs, arraySort((x, y) -> y, groupArray(c), groupArray(k)) AS cs,
                    arrayCumSum(cs) AS cum
                FROM (SELECT toFloat64(weighted_90d) AS k, count() AS c FROM {{scratch}} GROUP BY k)
            ) AS awk ARRAY JOIN vs AS v, cs AS cc, cum AS cu
    ) AS r9 USING (wk)
) AS l5
ANY LEFT JOIN
(
    SELECT v AS sk, cu - cc AS s_below FROM
            (
                -- sorted distinct keys and their counts; cu - cc = members with a smaller key.
                -- Float64 keys: 18.16 sorts Decimal and tuple arrays very slowly.
                SELECT arraySort(groupArray(k)) AS vs, arraySort((x, y) -> y, groupArray(c), groupArray(k)) AS cs,
                    arrayCumSum(cs) AS cum
                FROM (SELECT toFloat64(spend_365d) AS k, count() AS c FROM {{scratch}} GROUP BY k)
            ) AS ask ARRAY JOIN vs AS v, cs AS cc, cum AS cu
) AS r10 USING (sk)

-- name: summary
SELECT toFloat64(count()), avg(score), toFloat64(sum(engaged_low_spend)), toFloat64(countIf(weighted_90d > 0))
FROM {{stage}}
