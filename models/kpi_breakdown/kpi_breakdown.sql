-- kpi_breakdown: headline KPIs by dimension value and the top members'
-- share of revenue, from member_profile of the as_of (exactly the run
-- @dep_member_profile) and the paid orders of the window
-- [@window_start, @as_of_end). Paid as every model: status paid, or the
-- latest version recorded after the end of as_of. A repeat buyer has paid
-- orders on two or more purchase days (business days, @tz): the
-- repurchase definition of models/README.md.
--
-- Three passes over the data: base (one row per member: profile columns
-- joined with the member's window order totals, one GROUP BY over
-- orders), by_value (the order-basis channel and store totals, a second
-- GROUP BY over orders), and the aggregations of the small scratch
-- tables. Both order passes are subqueries of an initiator-side query, so
-- in cluster mode the shards aggregate orders and the initiator joins.

-- name: base_create
CREATE TABLE {{base}}
(
    member_id       String,
    region          String,
    join_channel    String,
    tier            String,
    value_layer     String,
    lifecycle_stage String,
    has_clv         UInt8,
    clv             Float64,
    has_churn       UInt8,
    churn_risk      UInt8,
    orders          UInt64,
    days            UInt64,
    revenue         Decimal(18, 2),
    discount        Decimal(18, 2),
    active          UInt8
) ENGINE = Memory

-- name: base_fill
INSERT INTO {{base}} (member_id, region, join_channel, tier, value_layer, lifecycle_stage, has_clv, clv, has_churn,
    churn_risk, orders, days, revenue, discount, active)
SELECT member_id, region, channel, tier, value_layer, lifecycle_stage,
    toUInt8(isNotNull(clv)), ifNull(clv, 0), toUInt8(isNotNull(churn_risk_band)), toUInt8(has(@risk_bands, ifNull(churn_risk_band, ''))),
    o_orders, o_days, o_revenue, o_discount, toUInt8(o_orders > 0 AND o_last >= toDateTime(@active_start, 'UTC'))
FROM
(
    SELECT member_id, region, channel, tier, value_layer, lifecycle_stage, clv, churn_risk_band
    FROM member_profile WHERE as_of = toDate(@as_of) AND run_id = @dep_member_profile
) AS p
ANY LEFT JOIN
(
    SELECT member_id, count() AS o_orders, uniqExact(toDate(ordered_at, @tz)) AS o_days, sum(amount) AS o_revenue, sum(discount) AS o_discount, max(ordered_at) AS o_last
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
      AND ordered_at < toDateTime(@as_of_end, 'UTC') AND ordered_at >= toDateTime(@window_start, 'UTC')
    GROUP BY member_id
) AS o USING (member_id)

-- name: raw_create
CREATE TABLE {{raw}}
(
    dimension          String,
    value              String,
    basis              String,
    members            UInt64,
    active_members     UInt64,
    buyers             UInt64,
    repeat_buyers      UInt64,
    orders             UInt64,
    revenue            Decimal(18, 2),
    discount           Decimal(18, 2),
    churn_scored       UInt64,
    churn_risk_members UInt64,
    clv_members        UInt64,
    clv_sum            Float64
) ENGINE = Memory

-- name: raw_members
-- Member basis: every member once per dimension (ARRAY JOIN), plus the
-- all row.
INSERT INTO {{raw}} (dimension, value, basis, members, active_members, buyers, repeat_buyers, orders, revenue, discount,
    churn_scored, churn_risk_members, clv_members, clv_sum)
SELECT d.1 AS dim, d.2 AS val, 'member', count(), sum(active), countIf(orders > 0), countIf(days > 1), sum(orders),
    sum(revenue), sum(discount), sum(has_churn), sum(churn_risk), sum(has_clv), sum(clv)
FROM {{base}}
ARRAY JOIN [('all', 'all'), ('region', region), ('join_channel', join_channel), ('tier', tier),
    ('value_layer', value_layer), ('lifecycle_stage', lifecycle_stage)] AS d
GROUP BY dim, val

-- name: raw_orders
-- Order basis: each member's window orders per channel and per store
-- (a store order counts in its channel and in its store), joined to the
-- member's profile columns; members not in member_profile (joined after
-- as_of) are left out, as in the all row. ALL, not ANY: base has one row
-- per member, and newer ClickHouse's ANY INNER JOIN keeps one left row
-- per key too.
INSERT INTO {{raw}} (dimension, value, basis, members, active_members, buyers, repeat_buyers, orders, revenue, discount,
    churn_scored, churn_risk_members, clv_members, clv_sum)
SELECT dim, val, 'order', count(), sum(v_active), count(), countIf(v_days > 1), sum(v_orders), sum(v_revenue),
    sum(v_discount), sum(has_churn), sum(churn_risk), sum(has_clv), sum(clv)
FROM
(
    SELECT member_id, d.1 AS dim, d.2 AS val, sum(c_orders) AS v_orders, length(groupUniqArrayArray(c_days)) AS v_days,
        sum(c_revenue) AS v_revenue,
        sum(c_discount) AS v_discount, toUInt8(max(c_last) >= toDateTime(@active_start, 'UTC')) AS v_active
    FROM
    (
        SELECT member_id, channel, store_id, count() AS c_orders, groupUniqArray(toDate(ordered_at, @tz)) AS c_days,
            sum(amount) AS c_revenue, sum(discount) AS c_discount,
            max(ordered_at) AS c_last
        FROM orders_current
        WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
          AND ordered_at < toDateTime(@as_of_end, 'UTC') AND ordered_at >= toDateTime(@window_start, 'UTC')
        GROUP BY member_id, channel, store_id
    )
    ARRAY JOIN [('channel', channel), ('store', store_id)] AS d
    GROUP BY member_id, dim, val
) AS v
ALL INNER JOIN
(
    SELECT member_id, has_churn, churn_risk, has_clv, clv FROM {{base}}
) AS b USING (member_id)
GROUP BY dim, val

-- name: fill
-- The published rows: the raw sums with the ratios and the shares of the
-- all row.
INSERT INTO {{stage}} (as_of, dimension, value, basis, members, active_members, buyers, repeat_buyers, orders, revenue,
    gross_revenue, discount, aov, repurchase_rate, churn_scored, churn_risk_members, churn_risk_share, clv_members, avg_clv,
    revenue_per_member, discount_per_member, discount_rate, member_share, revenue_share, revenue_per_member_index, run_id)
SELECT toDate(@as_of), dimension, value, basis, members, active_members, buyers, repeat_buyers, orders, revenue,
    revenue + discount, discount,
    if(orders > 0, toFloat64(revenue) / orders, NULL),
    if(buyers > 0, repeat_buyers / buyers, NULL),
    churn_scored, churn_risk_members,
    if(churn_scored > 0, churn_risk_members / churn_scored, NULL),
    clv_members,
    if(clv_members > 0, clv_sum / clv_members, NULL),
    if(members > 0, toFloat64(revenue) / members, NULL),
    if(members > 0, toFloat64(discount) / members, NULL),
    if(toFloat64(revenue) + toFloat64(discount) > 0, toFloat64(discount) / (toFloat64(revenue) + toFloat64(discount)), NULL),
    if(all_members > 0, members / all_members, NULL),
    if(all_revenue > 0, toFloat64(revenue) / all_revenue, NULL),
    if(members > 0 AND all_revenue > 0, (toFloat64(revenue) / members) / (all_revenue / all_members), NULL),
    @run_id
FROM {{raw}}
CROSS JOIN
(
    SELECT members AS all_members, toFloat64(revenue) AS all_revenue FROM {{raw}} WHERE dimension = 'all'
) AS t

-- name: contribution
-- The top shares: members ranked by window revenue in cents (exact), the
-- top ceil(share x members) summed from the sorted array (1e-9 absorbs
-- float error in share x members, e.g. 0.07 x 100).
INSERT INTO {{stage}} (as_of, top_share, members_total, top_members, top_revenue, total_revenue, revenue_share,
    top_revenue_per_member, revenue_per_member, ratio, run_id)
SELECT toDate(@as_of), share, total, n, top_cents / 100, all_cents / 100,
    if(all_cents > 0, top_cents / all_cents, NULL),
    if(n > 0, top_cents / 100 / n, NULL),
    if(total > 0, all_cents / 100 / total, NULL),
    if(n > 0 AND all_cents > 0, (top_cents / n) / (all_cents / total), NULL),
    @run_id
FROM
(
    SELECT share, total, all_cents, toUInt64(ceil(share * total - 1e-9)) AS n, arraySum(arraySlice(sorted, 1, n)) AS top_cents
    FROM
    (
        SELECT arrayReverseSort(groupArray(toInt64(round(toFloat64(revenue) * 100)))) AS sorted, length(sorted) AS total,
            arraySum(sorted) AS all_cents
        FROM {{base}}
    )
    ARRAY JOIN @top_shares AS share
)

-- name: summary
SELECT members, toFloat64(revenue), toFloat64(discount), ifNull(churn_risk_share, 0) FROM {{stage}} WHERE dimension = 'all'

-- name: contribution_summary
SELECT top_share, ifNull(revenue_share, 0), ifNull(ratio, 0) FROM {{stage}} ORDER BY top_share
