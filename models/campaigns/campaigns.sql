-- campaigns: per-member outcomes of every campaign assignment up to as_of,
-- aggregated per campaign, group and variant; the statistics run in Go
-- (models/uplift). Scratch tables, all Memory on the initiator:
-- {{members}} one row per campaign and member (assigned, plus the matched
-- comparison members of a campaign without control), {{facts}} partial
-- per-member facts (orders, tiers, reach) summed per member at the end.
-- A member's window is [assigned_at, assigned_at + @window_seconds) cut at
-- the end of as_of; the pre window is the same length before assigned_at.
-- Orders count when paid as of as_of (status paid, or changed after it).

-- name: campaigns
SELECT campaign_id, min(assigned_at), max(assigned_at), countIf(`group` = 'treatment'), countIf(`group` = 'control')
FROM campaign_members_current
WHERE assigned_at < toDateTime(@as_of_end, 'UTC')
GROUP BY campaign_id
ORDER BY campaign_id

-- name: tier_dates
-- The as_of dates the tiers model has a partition for, before this as_of.
SELECT DISTINCT toString(as_of) AS d FROM tiers WHERE as_of < toDate(@as_of) ORDER BY d

-- name: members_create
CREATE TABLE {{members}}
(
    campaign_id String,
    member_id   String,
    grp         String,
    variant     String,
    assigned_at DateTime('UTC'),
    cost        Float64,
    tiers_as_of Date
) ENGINE = Memory

-- name: members_fill
-- tiers_as_of: the tiers partition read for the member's state before the
-- campaign (1970-01-01 when none), from @tier_campaigns -> @tier_dates.
INSERT INTO {{members}} (campaign_id, member_id, grp, variant, assigned_at, cost, tiers_as_of)
SELECT campaign_id, member_id, `group`, variant, assigned_at, toFloat64(cost),
    toDate(transform(campaign_id, @tier_campaigns, @tier_dates, '1970-01-01'))
FROM campaign_members_current
WHERE assigned_at < toDateTime(@as_of_end, 'UTC')

-- name: layers
-- Value layers of a campaign without control, at its first assigned_at
-- @t0: paid orders in the @layer_days before it (0, 1, 2-3, 4+ -> layer
-- 0-3), over members who joined before @t0; targeted = assigned to it.
SELECT layer, countIf(targeted = 1), countIf(targeted = 0)
FROM
(
    SELECT
        member_id IN (SELECT member_id FROM {{members}} WHERE campaign_id = @campaign_id) AS targeted,
        multiIf(n = 0, 0, n = 1, 1, n <= 3, 2, 3) AS layer
    FROM
    (
        SELECT member_id FROM members_current WHERE joined_at < toDateTime(@t0, 'UTC')
    ) AS l1
    ANY LEFT JOIN
    (
        SELECT member_id, count() AS n
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at >= toDateTime(@layer_from, 'UTC') AND ordered_at < toDateTime(@t0, 'UTC')
        GROUP BY member_id
    ) AS r1 USING (member_id)
)
GROUP BY layer
ORDER BY layer

-- name: matched_fill
-- The matched comparison of a campaign without control: non-targeted
-- members of each layer, kept when a hash of (member, campaign) falls
-- below the layer's threshold (@thresholds, per million), so each layer
-- holds about matched_ratio times the targeted members of the layer.
INSERT INTO {{members}} (campaign_id, member_id, grp, variant, assigned_at, cost, tiers_as_of)
SELECT @campaign_id, member_id, 'matched', '', toDateTime(@t0, 'UTC'), 0, toDate(@tiers_as_of)
FROM
(
    SELECT
        member_id,
        member_id IN (SELECT member_id FROM {{members}} WHERE campaign_id = @campaign_id) AS targeted,
        multiIf(n = 0, 0, n = 1, 1, n <= 3, 2, 3) AS layer
    FROM
    (
        SELECT member_id FROM members_current WHERE joined_at < toDateTime(@t0, 'UTC')
    ) AS l1
    ANY LEFT JOIN
    (
        SELECT member_id, count() AS n
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at >= toDateTime(@layer_from, 'UTC') AND ordered_at < toDateTime(@t0, 'UTC')
        GROUP BY member_id
    ) AS r1 USING (member_id)
)
WHERE targeted = 0 AND cityHash64(member_id, @campaign_id) % 1000000 < arrayElement(@thresholds, layer + 1)

-- name: facts_create
CREATE TABLE {{facts}}
(
    campaign_id  String,
    member_id    String,
    post_orders  UInt32,
    post_revenue Float64,
    pre_orders   UInt32,
    pre_revenue  Float64,
    has_before   UInt8,
    near_before  UInt8,
    rank_before  UInt8,
    has_after    UInt8,
    rank_after   UInt8,
    reached      UInt8
) ENGINE = Memory

-- name: facts_orders
INSERT INTO {{facts}} (campaign_id, member_id, post_orders, post_revenue, pre_orders, pre_revenue)
SELECT campaign_id, member_id,
    toUInt32(countIf(ordered_at >= assigned_at AND ordered_at < post_end)),
    sumIf(toFloat64(amount), ordered_at >= assigned_at AND ordered_at < post_end),
    toUInt32(countIf(ordered_at >= assigned_at - @window_seconds AND ordered_at < assigned_at)),
    sumIf(toFloat64(amount), ordered_at >= assigned_at - @window_seconds AND ordered_at < assigned_at)
FROM
(
    SELECT member_id, ordered_at, amount
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
      AND ordered_at >= toDateTime(@orders_from, 'UTC') AND ordered_at < toDateTime(@as_of_end, 'UTC')
) AS l1
ALL INNER JOIN
(
    SELECT campaign_id, member_id, assigned_at, least(assigned_at + @window_seconds, toDateTime(@as_of_end, 'UTC')) AS post_end
    FROM {{members}}
) AS r1 USING (member_id)
GROUP BY campaign_id, member_id

-- name: facts_tiers_before
-- The member's tier and near-upgrade flag in the tiers partition before
-- the campaign.
INSERT INTO {{facts}} (campaign_id, member_id, has_before, near_before, rank_before)
SELECT campaign_id, member_id, 1, near_upgrade, tier_rank
FROM
(
    SELECT member_id, as_of AS tiers_as_of, near_upgrade, tier_rank FROM tiers WHERE has(@tier_dates, toString(as_of))
) AS l1
ALL INNER JOIN
(
    SELECT campaign_id, member_id, tiers_as_of FROM {{members}}
) AS r1 USING (member_id, tiers_as_of)

-- name: facts_tiers_after
-- The member's tier at as_of, from the tiers run this run depends on.
INSERT INTO {{facts}} (campaign_id, member_id, has_after, rank_after)
SELECT campaign_id, member_id, 1, tier_rank
FROM
(
    SELECT member_id, tier_rank FROM tiers WHERE as_of = toDate(@as_of) AND run_id = @dep_tiers
) AS l1
ALL INNER JOIN
(
    SELECT campaign_id, member_id FROM {{members}}
) AS r1 USING (member_id)

-- name: facts_reached
-- Reached: a campaign_open or campaign_click event whose properties carry
-- the campaign's id, in the member's window.
INSERT INTO {{facts}} (campaign_id, member_id, reached)
SELECT campaign_id, member_id, toUInt8(max(event_time >= assigned_at AND event_time < post_end))
FROM
(
    SELECT member_id, event_time, visitParamExtractString(properties, 'campaign_id') AS campaign_id
    FROM events_current
    WHERE event_type IN ('campaign_open', 'campaign_click')
      AND event_time >= toDateTime(@orders_from, 'UTC') AND event_time < toDateTime(@as_of_end, 'UTC')
) AS l1
ALL INNER JOIN
(
    SELECT campaign_id, member_id, assigned_at, least(assigned_at + @window_seconds, toDateTime(@as_of_end, 'UTC')) AS post_end
    FROM {{members}}
) AS r1 USING (member_id, campaign_id)
GROUP BY campaign_id, member_id

-- name: groups
-- Per campaign, group and variant: counts, sums, and the non-zero
-- per-member revenues and pre/post revenue changes as sorted arrays (the
-- zeros are implied by members), for Welch's test and the bootstrap.
SELECT
    campaign_id, grp, variant,
    count(),
    countIf(post_orders > 0),
    sum(post_orders),
    sum(post_revenue),
    min(assigned_at),
    max(assigned_at),
    sum(cost),
    countIf(has_before = 1 AND has_after = 1 AND rank_after > rank_before),
    countIf(post_orders > 0 AND pre_orders = 0),
    countIf(post_orders = 0 AND pre_orders > 0),
    arraySort(groupArrayIf(post_revenue, post_revenue != 0)),
    arraySort(groupArrayIf(post_revenue - pre_revenue, post_revenue != pre_revenue)),
    countIf(has_before = 1 AND near_before = 1),
    countIf(has_before = 1 AND near_before = 1 AND reached = 1),
    countIf(has_before = 1 AND near_before = 1 AND post_orders > 0),
    countIf(has_before = 1 AND near_before = 1 AND post_orders > 0 AND has_after = 1 AND rank_after > rank_before)
FROM
(
    SELECT campaign_id, member_id, grp, variant, assigned_at, cost,
        post_orders, post_revenue, pre_orders, pre_revenue, has_before, near_before, rank_before, has_after, rank_after, reached
    FROM {{members}} AS l1
    ANY LEFT JOIN
    (
        SELECT campaign_id, member_id,
            sum(post_orders) AS post_orders, sum(post_revenue) AS post_revenue,
            sum(pre_orders) AS pre_orders, sum(pre_revenue) AS pre_revenue,
            max(has_before) AS has_before, max(near_before) AS near_before, max(rank_before) AS rank_before,
            max(has_after) AS has_after, max(rank_after) AS rank_after, max(reached) AS reached
        FROM {{facts}}
        GROUP BY campaign_id, member_id
    ) AS r1 USING (campaign_id, member_id)
)
GROUP BY campaign_id, grp, variant
ORDER BY campaign_id, grp, variant
