-- rfm: recency, frequency, monetary, AOV trend and 1-5 scores per buyer.
--
-- Population: members who joined by the end of as_of and have at least one
-- paid order up to then. Refunded and cancelled orders count nowhere.
-- Status as of the cut-off (every model): an order counts as paid when its
-- status is 'paid' or its latest version was recorded (updated_at) after
-- the end of as_of, so a refund or cancellation recorded later does not
-- change the run of an earlier as_of (see models/README.md).
--
-- Scored buyers: buyers with a paid order in the window (frequency > 0),
-- the members the window's F and M describe. Lapsed buyers (no paid order
-- in the window, so their recency is beyond it) are not scored: r, f and m
-- are 0, rfm_cell is 000, the segment is @lapsed_segment and the value
-- layer the lowest (their window spend is 0).
--
-- Scores (ties rule): a scored buyer's score is 1 + floor(5 x b / n), where
-- n is the number of scored buyers and b the number of them with a strictly worse
-- value (longer recency; lower frequency; lower monetary). Buyers with
-- equal values therefore always share a score (the lowest their block
-- would get), every score is 1-5, and with n distinct values each score
-- holds n/5 buyers. Computed with cumulative counts over the sorted
-- distinct values (arrayCumSum, Float64 keys), which runs on ClickHouse 18.16.

-- name: base_create
CREATE TABLE {{scratch}}
(
    member_id      String,
    first_order_at DateTime('UTC'),
    last_order_at  DateTime('UTC'),
    recency_days   UInt32,
    frequency      UInt32,
    monetary       Decimal(18, 2),
    orders_total   UInt32,
    sum_recent     Float64,
    recent_n       UInt32,
    sum_prior      Float64,
    prior_n        UInt32
) ENGINE = Memory

-- name: base_fill
-- Shard-local in cluster mode (docs/cluster.md): the outer FROM is the
-- raw table with FINAL (the same rows as the _current view), so the whole
-- per-member GROUP BY runs on every shard; distributed_product_mode =
-- 'local' reads the co-sharded members table on each shard for the IN,
-- distributed_group_by_no_merge = 1 returns each shard's groups as they
-- are (every member is on one shard). Both settings change nothing on one
-- server. They are in a SETTINGS clause: the string setting cannot travel
-- over 18.16's protocol.
INSERT INTO {{scratch}} (member_id, first_order_at, last_order_at, recency_days, frequency, monetary,
    orders_total, sum_recent, recent_n, sum_prior, prior_n)
SELECT
    member_id,
    min(ordered_at),
    max(ordered_at),
    toUInt32(toRelativeDayNum(toDate(@as_of)) - toRelativeDayNum(toDate(max(ordered_at), @tz))),
    toUInt32(countIf(ordered_at >= toDateTime(@window_start, 'UTC'))),
    sumIf(amount, ordered_at >= toDateTime(@window_start, 'UTC')),
    toUInt32(count()),
    sumIf(toFloat64(amount), ordered_at >= toDateTime(@recent_start, 'UTC')),
    toUInt32(countIf(ordered_at >= toDateTime(@recent_start, 'UTC'))),
    sumIf(toFloat64(amount), ordered_at >= toDateTime(@prior_start, 'UTC') AND ordered_at < toDateTime(@recent_start, 'UTC')),
    toUInt32(countIf(ordered_at >= toDateTime(@prior_start, 'UTC') AND ordered_at < toDateTime(@recent_start, 'UTC')))
FROM orders FINAL
WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC'))
  AND ordered_at < toDateTime(@as_of_end, 'UTC')
  AND member_id IN (SELECT member_id FROM members FINAL WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
  -- Members of published files only, as members_current (migration 090).
  -- The members of unpublished files are found on the initiator (GLOBAL:
  -- the ledger is a home table, a shard cannot read it) and shipped to the
  -- shards; the set is empty unless a load is in flight or was cut short.
  AND member_id GLOBAL NOT IN (SELECT member_id FROM members FINAL
      WHERE file_id GLOBAL IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0))
  -- Published files only, as orders_current (migration 090).
  AND file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)
GROUP BY member_id
SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, first_order_at, last_order_at, recency_days, frequency, monetary,
    orders_total, aov, aov_recent, aov_prior, aov_trend, r_score, f_score, m_score, rfm_cell, segment,
    value_layer, run_id)
SELECT
    toDate(@as_of),
    member_id, first_order_at, last_order_at, recency_days, frequency, monetary, orders_total,
    if(frequency > 0, toFloat64(monetary) / frequency, 0),
    if(recent_n > 0, sum_recent / recent_n, 0),
    if(prior_n > 0, sum_prior / prior_n, 0),
    if(recent_n > 0 AND prior_n > 0 AND sum_prior > 0, (sum_recent / recent_n) / (sum_prior / prior_n) - 1, NULL),
    r, f, m,
    concat(toString(r), toString(f), toString(m)),
    if(frequency = 0, @lapsed_segment, arrayElement(@rf_map, (r - 1) * 5 + f)),
    arrayElement(@value_layers, if(frequency = 0, 1, m)),
    @run_id
FROM
(
    SELECT
        member_id, first_order_at, last_order_at, recency_days, frequency, monetary, orders_total,
        sum_recent, recent_n, sum_prior, prior_n,
        -- greatest(n, 1): `if` evaluates both branches, and n is 0 when every
        -- buyer is lapsed (no score is used then)
        toUInt8(if(frequency = 0, 0, 1 + intDiv(5 * r_below, greatest(n, 1)))) AS r,
        toUInt8(if(frequency = 0, 0, 1 + intDiv(5 * f_below, greatest(n, 1)))) AS f,
        toUInt8(if(frequency = 0, 0, 1 + intDiv(5 * m_below, greatest(n, 1)))) AS m
    FROM
    (
        SELECT * FROM
        (
            SELECT * FROM
            (
                SELECT *, (SELECT count() FROM {{scratch}} WHERE frequency > 0) AS n,
                    -toFloat64(recency_days) AS rk, toFloat64(frequency) AS fk, toFloat64(monetary) AS mk
                FROM {{scratch}}
            ) AS l1
            ANY LEFT JOIN
            (
                -- key -recency: a smaller key is a strictly longer recency
                SELECT v AS rk, cu - cc AS r_below FROM
            (
                -- sorted distinct keys and their counts; cu - cc = members with a smaller key.
                -- Float64 keys: 18.16 sorts Decimal and tuple arrays very slowly.
                SELECT arraySort(groupArray(k)) AS vs, arraySort((x, y) -> y, groupArray(c), groupArray(k)) AS cs,
                    arrayCumSum(cs) AS cum
                FROM (SELECT -toFloat64(recency_days) AS k, count() AS c FROM {{scratch}} WHERE frequency > 0 GROUP BY k)
            ) AS ark ARRAY JOIN vs AS v, cs AS cc, cum AS cu
            ) AS r4 USING (rk)
        ) AS l2
        ANY LEFT JOIN
        (
            SELECT v AS fk, cu - cc AS f_below FROM
            (
                -- sorted distinct keys and their counts; cu - cc = members with a smaller key.
                -- Float64 keys: 18.16 sorts Decimal and tuple arrays very slowly.
                SELECT arraySort(groupArray(k)) AS vs, arraySort((x, y) -> y, groupArray(c), groupArray(k)) AS cs,
                    arrayCumSum(cs) AS cum
                FROM (SELECT toFloat64(frequency) AS k, count() AS c FROM {{scratch}} WHERE frequency > 0 GROUP BY k)
            ) AS afk ARRAY JOIN vs AS v, cs AS cc, cum AS cu
        ) AS r5 USING (fk)
    ) AS l3
    ANY LEFT JOIN
    (
        SELECT v AS mk, cu - cc AS m_below FROM
            (
                -- sorted distinct keys and their counts; cu - cc = members with a smaller key.
                -- Float64 keys: 18.16 sorts Decimal and tuple arrays very slowly.
                SELECT arraySort(groupArray(k)) AS vs, arraySort((x, y) -> y, groupArray(c), groupArray(k)) AS cs,
                    arrayCumSum(cs) AS cum
                FROM (SELECT toFloat64(monetary) AS k, count() AS c FROM {{scratch}} WHERE frequency > 0 GROUP BY k)
            ) AS amk ARRAY JOIN vs AS v, cs AS cc, cum AS cu
    ) AS r6 USING (mk)
)

-- name: cuts
-- Buyers, scored buyers, and the quintile cut points of the scored buyers.
SELECT
    toFloat64((SELECT count() FROM {{stage}})),
    toFloat64(count()),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(recency_days)),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(frequency)),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(monetary))
FROM {{stage}}
WHERE frequency > 0
