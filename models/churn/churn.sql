-- churn: L2 logistic regression on member features (models/churn). Go
-- fits on a sample of the feature rows at cut-off D - 2H with labels
-- from the next H days, validates on cut-off D - H (labels to D), refits
-- there, and pushes scoring
-- of every member at D into ClickHouse as an expression of the
-- coefficients, so Go never holds the whole population.

-- name: features
-- One feature row per member with a paid order on or before the cut-off
-- day C (inclusive, business time zone), plus the label input, read from
-- the rows of cut-off @k of the scratch table {{features}}
-- (features_fill).
--
-- Bound values: k, as_of (C), tz, buckets and bucket (only members with
-- cityHash64(member_id) % buckets = bucket), keep_lapsed, max_inactive,
-- tier_names and the BG/NBD parameters below.
--
-- Features (Float64, in this order; churnFeatures in models/churn.go):
--   recency_days          days from the last purchase day to C
--   frequency             paid orders up to C
--   monetary              paid value up to C
--   tenure_days           days from joining (or the first purchase, if earlier) to C
--   aov                   monetary / frequency
--   aov_trend             AOV of the last 90 days / AOV of the 90 before - 1 (0 unless both have orders)
--   mean_gap_days         mean days between purchase days (0 with one purchase day)
--   last_gap_days         days between the last two purchase days (0 with one)
--   refund_share          refunded / (paid + refunded) orders up to C
--   <type>_30d, <type>_90d  events of each type in the last 30 and 90 days
--   days_since_login      days from the last login to C (tenure_days when none)
--   campaign_clicks       campaign clicks up to C
--   tier                  source_tier of the member version valid at C, as its position in
--                         models.tiers.levels (@tier_names, lower case: 1 = entry level);
--                         0 when none or not a configured level
--   p_alive               BG/NBD P(alive) at C from the purchase-day history, with the
--                         parameters fitted at C (bg_r, bg_alpha, bg_a, bg_b per bg_unit
--                         days); 1 for one-time buyers (and for all when no fit)
-- Label input: future_orders = paid orders after C and before the label's end.
SELECT
    member_id,
    toFloat64(recency_days)                                                      AS recency_days,
    toFloat64(frequency)                                                         AS frequency,
    toFloat64(monetary)                                                          AS monetary,
    toFloat64(greatest(toInt32(toDate(@as_of) - first_day), if(joined = 0, 0, toInt32(toDate(@as_of) - toDate(toDateTime(joined), @tz))))) AS tenure_days,
    monetary / frequency                                                         AS aov,
    if(n_90 > 0 AND n_prev90 > 0, (v_90 / n_90) / (v_prev90 / n_prev90) - 1, 0) AS aov_trend,
    if(length(days) > 1, toFloat64(days[-1] - days[1]) / (length(days) - 1), 0) AS mean_gap_days,
    if(length(days) > 1, toFloat64(days[-1] - days[-2]), 0)                     AS last_gap_days,
    refunds / (frequency + refunds)                                              AS refund_share,
    toFloat64(login_30d) AS login_30d, toFloat64(login_90d) AS login_90d,
    toFloat64(page_view_30d) AS page_view_30d, toFloat64(page_view_90d) AS page_view_90d,
    toFloat64(product_view_30d) AS product_view_30d, toFloat64(product_view_90d) AS product_view_90d,
    toFloat64(add_to_cart_30d) AS add_to_cart_30d, toFloat64(add_to_cart_90d) AS add_to_cart_90d,
    toFloat64(campaign_open_30d) AS campaign_open_30d, toFloat64(campaign_open_90d) AS campaign_open_90d,
    toFloat64(campaign_click_30d) AS campaign_click_30d, toFloat64(campaign_click_90d) AS campaign_click_90d,
    toFloat64(review_30d) AS review_30d, toFloat64(review_90d) AS review_90d,
    toFloat64(share_30d) AS share_30d, toFloat64(share_90d) AS share_90d,
    toFloat64(referral_30d) AS referral_30d, toFloat64(referral_90d) AS referral_90d,
    toFloat64(checkin_30d) AS checkin_30d, toFloat64(checkin_90d) AS checkin_90d,
    toFloat64(points_earned_30d) AS points_earned_30d, toFloat64(points_earned_90d) AS points_earned_90d,
    toFloat64(points_redeemed_30d) AS points_redeemed_30d, toFloat64(points_redeemed_90d) AS points_redeemed_90d,
    toFloat64(nps_survey_30d) AS nps_survey_30d, toFloat64(nps_survey_90d) AS nps_survey_90d,
    toFloat64(if(last_login = 0, greatest(toInt32(toDate(@as_of) - first_day), if(joined = 0, 0, toInt32(toDate(@as_of) - toDate(toDateTime(joined), @tz)))),
                 toInt32(toDate(@as_of) - toDate(toDateTime(last_login), @tz))))  AS days_since_login,
    toFloat64(campaign_clicks)                                                   AS campaign_clicks,
    toFloat64(indexOf(@tier_names, lower(source_tier)))                          AS tier,
    -- Rounded to 1e-9: pow() is not correctly rounded, and its last bits
    -- differ between ClickHouse versions (seen with Asia/Shanghai days on
    -- 18.16 vs 26.7), which the fit amplified to 1e-6 in the coefficients.
    floor(if(length(days) < 2, 1.0,
       1 / (1 + (@bg_a / (@bg_b + length(days) - 2))
                * pow((@bg_alpha + toFloat64(toDate(@as_of) - days[1]) / @bg_unit) / (@bg_alpha + toFloat64(days[-1] - days[1]) / @bg_unit),
                      @bg_r + length(days) - 1))) * 1e9 + 0.5) / 1e9   AS p_alive,
    future_orders
FROM {{features}}
WHERE k = @k AND cityHash64(member_id) % @buckets = @bucket
  -- lapsed buyers (last order more than @max_inactive days before C,
  -- when @max_inactive > 0) are scored as lapsed, never trained on
  AND (@keep_lapsed = 1 OR @max_inactive = 0 OR recency_days <= @max_inactive)

-- name: tuples
-- Distinct BG/NBD histories at cut-off @k with their member counts, for
-- the fit behind p_alive there: the rows of clv's stats and tuples queries
-- at as_of = C (members who joined by C, i.e. before @as_of_end, with a
-- paid order on or before C; x = purchase days - 1, t_x days from the
-- first to the last purchase day, T from the first to C), read from
-- {{features}} instead of orders_current. Ordered as clv's tuples.
SELECT toUInt32(length(days) - 1) AS x, toUInt32(days[-1] - days[1]) AS t_x, toUInt32(toDate(@as_of) - days[1]) AS T, count() AS members
FROM {{features}}
WHERE k = @k AND is_member = 1 AND joined < toUInt32(toDateTime(@as_of_end, 'UTC'))
GROUP BY x, t_x, T
ORDER BY x, t_x, T

-- name: features_fill
-- Member features at the three cut-offs C_k, k = 1, 2, 3 (the training,
-- validation and scoring cut-offs), one row per member and k for each
-- member with a paid order on or before C_k (inclusive, business time
-- zone), into the scratch table {{features}} that the features and tuples
-- queries read: one pass over orders_current and one over events_current
-- for all three (an aggregate per cut-off), instead of one each per
-- cut-off. Each cut-off's aggregates see exactly the rows and conditions
-- of a query at that cut-off alone; the WHERE clauses take the union of
-- the cut-offs' rows.
--
-- Bound values, per cut-off k: as_of_k (C_k), as_of_end_k (first instant
-- after C_k, UTC), since_30_k / since_90_k / since_180_k (UTC starts of the
-- last 30, 90, 180 days up to C_k), label_end_k (end of day C_k + H, UTC;
-- as_of_end_k when no label is wanted; after as_of_end_k); and tz,
-- first_end / last_end (the earliest and latest as_of_end_k), label_to
-- (the latest label_end_k), buckets and bucket: only members with
-- cityHash64(member_id) % buckets = bucket, so that a large population is
-- processed in slices of bounded memory. Nothing at or after label_to is
-- read, and only future_orders looks past as_of_end_k.
--
-- Columns per member and k (the features query turns them into features):
--   recency_days, first_day, frequency, monetary, days (sorted distinct
--   purchase days), n_90 / v_90 and n_prev90 / v_prev90 (paid orders and
--   value of the last 90 days and of the 90 before), refunds, future_orders
--   (paid orders after C_k and before label_end_k), <type>_30d / _90d
--   (events of each type in the last 30 and 90 days), last_login,
--   campaign_clicks (up to C_k), source_tier (of the member version valid
--   at C_k); and, the same for every k, joined (members_current.joined_at,
--   0 when the member is not there) and is_member (1 when it is).
INSERT INTO {{features}} (k, member_id, recency_days, first_day, frequency, monetary, days, n_90, v_90, n_prev90, v_prev90, refunds, future_orders,
    login_30d, login_90d, page_view_30d, page_view_90d, product_view_30d, product_view_90d,
    add_to_cart_30d, add_to_cart_90d, campaign_open_30d, campaign_open_90d, campaign_click_30d, campaign_click_90d,
    review_30d, review_90d, share_30d, share_90d, referral_30d, referral_90d,
    checkin_30d, checkin_90d, points_earned_30d, points_earned_90d, points_redeemed_30d, points_redeemed_90d,
    nps_survey_30d, nps_survey_90d,
    last_login, campaign_clicks, joined, is_member, source_tier)
SELECT k, member_id, recency_days, first_day, frequency, monetary, days, n_90, v_90, n_prev90, v_prev90, refunds, future_orders,
    login_30d, login_90d, page_view_30d, page_view_90d, product_view_30d, product_view_90d,
    add_to_cart_30d, add_to_cart_90d, campaign_open_30d, campaign_open_90d, campaign_click_30d, campaign_click_90d,
    review_30d, review_90d, share_30d, share_90d, referral_30d, referral_90d,
    checkin_30d, checkin_90d, points_earned_30d, points_earned_90d, points_redeemed_30d, points_redeemed_90d,
    nps_survey_30d, nps_survey_90d,
    last_login, campaign_clicks, joined, is_member, source_tier
FROM
(
SELECT * FROM
(
    SELECT * FROM
    (
        SELECT * FROM
        (
            SELECT
                member_id,
                toInt32(toDate(@as_of_1) - maxIf(day, paid_1)) AS recency_days_1,
                minIf(day, paid_1) AS first_day_1,
                countIf(paid_1) AS frequency_1,
                toFloat64(sumIf(amount, paid_1)) AS monetary_1,
                arraySort(groupUniqArrayIf(day, paid_1)) AS days_1,
                countIf(paid_1 AND at >= toDateTime(@since_90_1, 'UTC')) AS n_90_1,
                toFloat64(sumIf(amount, paid_1 AND at >= toDateTime(@since_90_1, 'UTC'))) AS v_90_1,
                countIf(paid_1 AND at >= toDateTime(@since_180_1, 'UTC') AND at < toDateTime(@since_90_1, 'UTC')) AS n_prev90_1,
                toFloat64(sumIf(amount, paid_1 AND at >= toDateTime(@since_180_1, 'UTC') AND at < toDateTime(@since_90_1, 'UTC'))) AS v_prev90_1,
                toFloat64(countIf(refunded_1)) AS refunds_1,
                countIf(future_1) AS future_orders_1,
                toInt32(toDate(@as_of_2) - maxIf(day, paid_2)) AS recency_days_2,
                minIf(day, paid_2) AS first_day_2,
                countIf(paid_2) AS frequency_2,
                toFloat64(sumIf(amount, paid_2)) AS monetary_2,
                arraySort(groupUniqArrayIf(day, paid_2)) AS days_2,
                countIf(paid_2 AND at >= toDateTime(@since_90_2, 'UTC')) AS n_90_2,
                toFloat64(sumIf(amount, paid_2 AND at >= toDateTime(@since_90_2, 'UTC'))) AS v_90_2,
                countIf(paid_2 AND at >= toDateTime(@since_180_2, 'UTC') AND at < toDateTime(@since_90_2, 'UTC')) AS n_prev90_2,
                toFloat64(sumIf(amount, paid_2 AND at >= toDateTime(@since_180_2, 'UTC') AND at < toDateTime(@since_90_2, 'UTC'))) AS v_prev90_2,
                toFloat64(countIf(refunded_2)) AS refunds_2,
                countIf(future_2) AS future_orders_2,
                toInt32(toDate(@as_of_3) - maxIf(day, paid_3)) AS recency_days_3,
                minIf(day, paid_3) AS first_day_3,
                countIf(paid_3) AS frequency_3,
                toFloat64(sumIf(amount, paid_3)) AS monetary_3,
                arraySort(groupUniqArrayIf(day, paid_3)) AS days_3,
                countIf(paid_3 AND at >= toDateTime(@since_90_3, 'UTC')) AS n_90_3,
                toFloat64(sumIf(amount, paid_3 AND at >= toDateTime(@since_90_3, 'UTC'))) AS v_90_3,
                countIf(paid_3 AND at >= toDateTime(@since_180_3, 'UTC') AND at < toDateTime(@since_90_3, 'UTC')) AS n_prev90_3,
                toFloat64(sumIf(amount, paid_3 AND at >= toDateTime(@since_180_3, 'UTC') AND at < toDateTime(@since_90_3, 'UTC'))) AS v_prev90_3,
                toFloat64(countIf(refunded_3)) AS refunds_3,
                countIf(future_3) AS future_orders_3
            FROM
            (
                SELECT
                    member_id,
                    ordered_at              AS at,
                    toDate(ordered_at, @tz) AS day,
                    amount,
                    (status = 'paid' OR updated_at >= toDateTime(@as_of_end_1, 'UTC')) AND ordered_at < toDateTime(@as_of_end_1, 'UTC') AS paid_1,
                    status = 'refunded' AND updated_at < toDateTime(@as_of_end_1, 'UTC') AND ordered_at < toDateTime(@as_of_end_1, 'UTC') AS refunded_1,
                    (status = 'paid' OR updated_at >= toDateTime(@label_end_1, 'UTC')) AND ordered_at >= toDateTime(@as_of_end_1, 'UTC') AND ordered_at < toDateTime(@label_end_1, 'UTC') AS future_1,
                    (status = 'paid' OR updated_at >= toDateTime(@as_of_end_2, 'UTC')) AND ordered_at < toDateTime(@as_of_end_2, 'UTC') AS paid_2,
                    status = 'refunded' AND updated_at < toDateTime(@as_of_end_2, 'UTC') AND ordered_at < toDateTime(@as_of_end_2, 'UTC') AS refunded_2,
                    (status = 'paid' OR updated_at >= toDateTime(@label_end_2, 'UTC')) AND ordered_at >= toDateTime(@as_of_end_2, 'UTC') AND ordered_at < toDateTime(@label_end_2, 'UTC') AS future_2,
                    (status = 'paid' OR updated_at >= toDateTime(@as_of_end_3, 'UTC')) AND ordered_at < toDateTime(@as_of_end_3, 'UTC') AS paid_3,
                    status = 'refunded' AND updated_at < toDateTime(@as_of_end_3, 'UTC') AND ordered_at < toDateTime(@as_of_end_3, 'UTC') AS refunded_3,
                    (status = 'paid' OR updated_at >= toDateTime(@label_end_3, 'UTC')) AND ordered_at >= toDateTime(@as_of_end_3, 'UTC') AND ordered_at < toDateTime(@label_end_3, 'UTC') AS future_3
                FROM orders_current
                WHERE (status IN ('paid', 'refunded') OR updated_at >= toDateTime(@first_end, 'UTC')) AND ordered_at < toDateTime(@label_to, 'UTC')
                  AND cityHash64(member_id) % @buckets = @bucket
            )
            WHERE paid_1 OR refunded_1 OR future_1 OR paid_2 OR refunded_2 OR future_2 OR paid_3 OR refunded_3 OR future_3
            GROUP BY member_id
            HAVING frequency_1 > 0 OR frequency_2 > 0 OR frequency_3 > 0
        ) AS o
        ANY LEFT JOIN
        (
            -- <type>_n: the member's events of the type in each window of w, in
            -- w's order (sumForEach over a per-row array of window flags: one
            -- aggregate per event type, not one per type and window).
            SELECT
                member_id,
                sumForEachIf(w, event_type = 'login') AS login_n,
                sumForEachIf(w, event_type = 'page_view') AS page_view_n,
                sumForEachIf(w, event_type = 'product_view') AS product_view_n,
                sumForEachIf(w, event_type = 'add_to_cart') AS add_to_cart_n,
                sumForEachIf(w, event_type = 'campaign_open') AS campaign_open_n,
                sumForEachIf(w, event_type = 'campaign_click') AS campaign_click_n,
                sumForEachIf(w, event_type = 'review') AS review_n,
                sumForEachIf(w, event_type = 'share') AS share_n,
                sumForEachIf(w, event_type = 'referral') AS referral_n,
                sumForEachIf(w, event_type = 'checkin') AS checkin_n,
                sumForEachIf(w, event_type = 'points_earned') AS points_earned_n,
                sumForEachIf(w, event_type = 'points_redeemed') AS points_redeemed_n,
                sumForEachIf(w, event_type = 'nps_survey') AS nps_survey_n,
                maxIf(toUInt32(event_time), event_type = 'login' AND event_time < toDateTime(@as_of_end_1, 'UTC')) AS last_login_1,
                countIf(event_type = 'campaign_click' AND event_time < toDateTime(@as_of_end_1, 'UTC')) AS campaign_clicks_1,
                maxIf(toUInt32(event_time), event_type = 'login' AND event_time < toDateTime(@as_of_end_2, 'UTC')) AS last_login_2,
                countIf(event_type = 'campaign_click' AND event_time < toDateTime(@as_of_end_2, 'UTC')) AS campaign_clicks_2,
                maxIf(toUInt32(event_time), event_type = 'login' AND event_time < toDateTime(@as_of_end_3, 'UTC')) AS last_login_3,
                countIf(event_type = 'campaign_click' AND event_time < toDateTime(@as_of_end_3, 'UTC')) AS campaign_clicks_3
            FROM
            (
                -- w: whether the event is in the last 30 and 90 days of cut-off 1,
                -- then of cut-off 2, then of cut-off 3.
                SELECT
                    member_id, event_time, event_type,
                    [event_time >= toDateTime(@since_30_1, 'UTC') AND event_time < toDateTime(@as_of_end_1, 'UTC'),
                     event_time >= toDateTime(@since_90_1, 'UTC') AND event_time < toDateTime(@as_of_end_1, 'UTC'),
                     event_time >= toDateTime(@since_30_2, 'UTC') AND event_time < toDateTime(@as_of_end_2, 'UTC'),
                     event_time >= toDateTime(@since_90_2, 'UTC') AND event_time < toDateTime(@as_of_end_2, 'UTC'),
                     event_time >= toDateTime(@since_30_3, 'UTC') AND event_time < toDateTime(@as_of_end_3, 'UTC'),
                     event_time >= toDateTime(@since_90_3, 'UTC') AND event_time < toDateTime(@as_of_end_3, 'UTC')] AS w
                FROM events_current
                WHERE event_time < toDateTime(@last_end, 'UTC') AND cityHash64(member_id) % @buckets = @bucket
            )
            GROUP BY member_id
        ) AS e USING member_id
    ) AS oe
    ANY LEFT JOIN
    (
        SELECT member_id, toUInt32(joined_at) AS joined, toUInt8(1) AS is_member FROM members_current
        WHERE cityHash64(member_id) % @buckets = @bucket
    ) AS m USING member_id
) AS oem
ANY LEFT JOIN
(
    -- The member version valid at C_k (the latest updated_at before its
    -- end): a tier set after the cut-off is not known there.
    SELECT
        member_id,
        argMaxIf(source_tier, updated_at, updated_at < toDateTime(@as_of_end_1, 'UTC')) AS source_tier_1,
        argMaxIf(source_tier, updated_at, updated_at < toDateTime(@as_of_end_2, 'UTC')) AS source_tier_2,
        argMaxIf(source_tier, updated_at, updated_at < toDateTime(@as_of_end_3, 'UTC')) AS source_tier_3
    FROM members
    WHERE updated_at < toDateTime(@last_end, 'UTC') AND cityHash64(member_id) % @buckets = @bucket
      -- Versions of published files only, as members_current (migration 090).
      AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
    GROUP BY member_id
) AS mt USING member_id
)
ARRAY JOIN
    [1, 2, 3] AS k,
    [recency_days_1, recency_days_2, recency_days_3] AS recency_days,
    [first_day_1, first_day_2, first_day_3] AS first_day,
    [frequency_1, frequency_2, frequency_3] AS frequency,
    [monetary_1, monetary_2, monetary_3] AS monetary,
    [days_1, days_2, days_3] AS days,
    [n_90_1, n_90_2, n_90_3] AS n_90,
    [v_90_1, v_90_2, v_90_3] AS v_90,
    [n_prev90_1, n_prev90_2, n_prev90_3] AS n_prev90,
    [v_prev90_1, v_prev90_2, v_prev90_3] AS v_prev90,
    [refunds_1, refunds_2, refunds_3] AS refunds,
    [future_orders_1, future_orders_2, future_orders_3] AS future_orders,
    [login_n[1], login_n[3], login_n[5]] AS login_30d,
    [login_n[2], login_n[4], login_n[6]] AS login_90d,
    [page_view_n[1], page_view_n[3], page_view_n[5]] AS page_view_30d,
    [page_view_n[2], page_view_n[4], page_view_n[6]] AS page_view_90d,
    [product_view_n[1], product_view_n[3], product_view_n[5]] AS product_view_30d,
    [product_view_n[2], product_view_n[4], product_view_n[6]] AS product_view_90d,
    [add_to_cart_n[1], add_to_cart_n[3], add_to_cart_n[5]] AS add_to_cart_30d,
    [add_to_cart_n[2], add_to_cart_n[4], add_to_cart_n[6]] AS add_to_cart_90d,
    [campaign_open_n[1], campaign_open_n[3], campaign_open_n[5]] AS campaign_open_30d,
    [campaign_open_n[2], campaign_open_n[4], campaign_open_n[6]] AS campaign_open_90d,
    [campaign_click_n[1], campaign_click_n[3], campaign_click_n[5]] AS campaign_click_30d,
    [campaign_click_n[2], campaign_click_n[4], campaign_click_n[6]] AS campaign_click_90d,
    [review_n[1], review_n[3], review_n[5]] AS review_30d,
    [review_n[2], review_n[4], review_n[6]] AS review_90d,
    [share_n[1], share_n[3], share_n[5]] AS share_30d,
    [share_n[2], share_n[4], share_n[6]] AS share_90d,
    [referral_n[1], referral_n[3], referral_n[5]] AS referral_30d,
    [referral_n[2], referral_n[4], referral_n[6]] AS referral_90d,
    [checkin_n[1], checkin_n[3], checkin_n[5]] AS checkin_30d,
    [checkin_n[2], checkin_n[4], checkin_n[6]] AS checkin_90d,
    [points_earned_n[1], points_earned_n[3], points_earned_n[5]] AS points_earned_30d,
    [points_earned_n[2], points_earned_n[4], points_earned_n[6]] AS points_earned_90d,
    [points_redeemed_n[1], points_redeemed_n[3], points_redeemed_n[5]] AS points_redeemed_30d,
    [points_redeemed_n[2], points_redeemed_n[4], points_redeemed_n[6]] AS points_redeemed_90d,
    [nps_survey_n[1], nps_survey_n[3], nps_survey_n[5]] AS nps_survey_30d,
    [nps_survey_n[2], nps_survey_n[4], nps_survey_n[6]] AS nps_survey_90d,
    [last_login_1, last_login_2, last_login_3] AS last_login,
    [campaign_clicks_1, campaign_clicks_2, campaign_clicks_3] AS campaign_clicks,
    [source_tier_1, source_tier_2, source_tier_3] AS source_tier
WHERE frequency > 0

-- name: features_table
-- The scratch table of features_fill, one row per member and cut-off k.
CREATE TABLE {{features}}
(
    k                   UInt8,
    member_id           String,
    recency_days        Int32,
    first_day           Date,
    frequency           UInt64,
    monetary            Float64,
    days                Array(Date),
    n_90                UInt64,
    v_90                Float64,
    n_prev90            UInt64,
    v_prev90            Float64,
    refunds             Float64,
    future_orders       UInt64,
    login_30d           UInt64,
    login_90d           UInt64,
    page_view_30d       UInt64,
    page_view_90d       UInt64,
    product_view_30d    UInt64,
    product_view_90d    UInt64,
    add_to_cart_30d     UInt64,
    add_to_cart_90d     UInt64,
    campaign_open_30d   UInt64,
    campaign_open_90d   UInt64,
    campaign_click_30d  UInt64,
    campaign_click_90d  UInt64,
    review_30d          UInt64,
    review_90d          UInt64,
    share_30d           UInt64,
    share_90d           UInt64,
    referral_30d        UInt64,
    referral_90d        UInt64,
    checkin_30d         UInt64,
    checkin_90d         UInt64,
    points_earned_30d   UInt64,
    points_earned_90d   UInt64,
    points_redeemed_30d UInt64,
    points_redeemed_90d UInt64,
    nps_survey_30d      UInt64,
    nps_survey_90d      UInt64,
    last_login          UInt32,
    campaign_clicks     UInt64,
    joined              UInt32,
    is_member           UInt8,
    source_tier         String
)
ENGINE = MergeTree() ORDER BY (k, member_id)

-- name: fill
-- Scores every member of the features view (the feature rows at as_of):
-- contribution_j = coef_j * (x_j - mean_j) / sd_j on the standardised
-- scale, churn_probability = 1 / (1 + exp(-(intercept + sum_j
-- contribution_j))), into the scratch table {{scored}} (risk_band empty
-- but for lapsed buyers; publish sets it). Drivers: contributions are summed per group (gc:
-- a feature, or an event type's 30- and 90-day counts together, in the
-- order of churnGroups; element by constant index, since a lambda that
-- captured the contrib array copied it per element and cost 7x the rest
-- of the query), ranked by size, and the three largest non-zero ones are put
-- in words: above or below the training mean (the group's summed
-- standardised value) and whether it raises or lowers the risk. Lapsed
-- buyers (recency_days > @max_inactive > 0) are not scored: probability
-- 1, band lapsed, driver_1 @lapsed_words. Bound feature arrays follow the
-- order of f.
INSERT INTO {{scored}} (as_of, member_id, churn_probability, risk_band, driver_1, driver_2, driver_3, recency_days, run_id)
SELECT
    toDate(@as_of), member_id, if(lapsed, 1, prob), if(lapsed, 'lapsed', ''),
    if(lapsed, @lapsed_words, if(gc[i1] = 0, '', concat(if(gz[i1] > 0, @high_words[i1], @low_words[i1]), if(gc[i1] > 0, ' (raises risk)', ' (lowers risk)')))),
    if(lapsed OR gc[i2] = 0, '', concat(if(gz[i2] > 0, @high_words[i2], @low_words[i2]), if(gc[i2] > 0, ' (raises risk)', ' (lowers risk)'))),
    if(lapsed OR gc[i3] = 0, '', concat(if(gz[i3] > 0, @high_words[i3], @low_words[i3]), if(gc[i3] > 0, ' (raises risk)', ' (lowers risk)'))),
    recency_days, @run_id
FROM
(
    SELECT
        member_id, recency_days,
        [recency_days, frequency, monetary, tenure_days,
         aov, aov_trend, mean_gap_days, last_gap_days,
         refund_share, login_30d, login_90d, page_view_30d,
         page_view_90d, product_view_30d, product_view_90d, add_to_cart_30d,
         add_to_cart_90d, campaign_open_30d, campaign_open_90d, campaign_click_30d,
         campaign_click_90d, review_30d, review_90d, share_30d,
         share_90d, referral_30d, referral_90d, checkin_30d,
         checkin_90d, points_earned_30d, points_earned_90d, points_redeemed_30d,
         points_redeemed_90d, nps_survey_30d, nps_survey_90d, days_since_login,
         campaign_clicks, tier, p_alive] AS f,
        arrayMap((v, mu, sd) -> (v - mu) / sd, f, @means, @sds) AS z,
        arrayMap((c, v) -> c * v, @coef, z) AS contrib,
        1 / (1 + exp(-(@intercept + arraySum(contrib)))) AS prob,
        [contrib[1], contrib[2], contrib[3], contrib[4], contrib[5], contrib[6], contrib[7],
         contrib[8], contrib[9], contrib[10] + contrib[11], contrib[12] + contrib[13], contrib[14] + contrib[15], contrib[16] + contrib[17], contrib[18] + contrib[19],
         contrib[20] + contrib[21], contrib[22] + contrib[23], contrib[24] + contrib[25], contrib[26] + contrib[27], contrib[28] + contrib[29], contrib[30] + contrib[31], contrib[32] + contrib[33],
         contrib[34] + contrib[35], contrib[36], contrib[37], contrib[38], contrib[39]] AS gc,
        [z[1], z[2], z[3], z[4], z[5], z[6], z[7],
         z[8], z[9], z[10] + z[11], z[12] + z[13], z[14] + z[15], z[16] + z[17], z[18] + z[19],
         z[20] + z[21], z[22] + z[23], z[24] + z[25], z[26] + z[27], z[28] + z[29], z[30] + z[31], z[32] + z[33],
         z[34] + z[35], z[36], z[37], z[38], z[39]] AS gz,
        arraySort((i, c) -> (-abs(c), i), arrayEnumerate(gc), gc) AS ranked,
        ranked[1] AS i1, ranked[2] AS i2, ranked[3] AS i3,
        @max_inactive > 0 AND recency_days > @max_inactive AS lapsed
    FROM {{features}}
)

-- name: scored_table
-- The scored rows before their risk band is known.
CREATE TABLE {{scored}}
(
    as_of             Date,
    member_id         String,
    churn_probability Float64,
    risk_band         String,
    driver_1          String,
    driver_2          String,
    driver_3          String,
    recency_days      Float64,
    run_id            String
)
ENGINE = MergeTree() ORDER BY member_id

-- name: band_cuts
-- Risk band cut points: the models.churn.risk_band_quantiles @q1, @q2,
-- @q3 of the scored (not lapsed) probabilities, each the sorted value at
-- 0-based position floor(q * n), as quantileExact (whose levels cannot be
-- bound values).
SELECT s[toUInt64(floor(@q1 * length(s))) + 1], s[toUInt64(floor(@q2 * length(s))) + 1], s[toUInt64(floor(@q3 * length(s))) + 1]
FROM
(
    SELECT arraySort(groupArray(churn_probability)) AS s FROM {{scored}} WHERE risk_band != 'lapsed'
)

-- name: publish
-- The published rows: every scored row with its band (lapsed stays lapsed).
INSERT INTO {{stage}} (as_of, member_id, churn_probability, risk_band, driver_1, driver_2, driver_3, recency_days, run_id)
SELECT as_of, member_id, churn_probability,
    if(risk_band = 'lapsed', 'lapsed', multiIf(churn_probability >= @band_critical, 'critical', churn_probability >= @band_high, 'high',
        churn_probability >= @band_medium, 'medium', 'low')),
    driver_1, driver_2, driver_3, recency_days, run_id
FROM {{scored}}

-- name: clv_fit
-- The BG/NBD fit the clv run @dep_clv recorded for as_of (@names:
-- clv.PurchaseParamNames): p_alive at as_of uses exactly these values.
SELECT name, value FROM model_params
WHERE model = 'clv' AND as_of = toDate(@as_of) AND run_id = @dep_clv AND has(@names, name)

-- name: members
-- Members, to choose the number of buckets.
SELECT count() FROM members_current
