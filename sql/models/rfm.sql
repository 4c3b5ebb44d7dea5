-- rfm: recency, frequency, monetary, AOV trend and 1-5 scores per buyer.
--
-- Population: members who joined by the end of as_of and have at least one
-- paid order (status = 'paid') up to then. Refunded and cancelled orders
-- count nowhere (an order's current status is used).
--
-- Scores (ties rule): a buyer's score is 1 + floor(5 x b / n), where n is
-- the number of buyers and b the number of buyers with a strictly worse
-- value (longer recency; lower frequency; lower monetary). Buyers with
-- equal values therefore always share a score (the lowest their block
-- would get), every score is 1-5, and with n distinct values each score
-- holds n/5 buyers. Computed with cumulative counts over the sorted
-- distinct values (arrayCumSum), which runs on ClickHouse 18.16.

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
FROM orders_current
WHERE status = 'paid'
  AND ordered_at < toDateTime(@as_of_end, 'UTC')
  AND member_id IN (SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
GROUP BY member_id

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
    arrayElement(@rf_map, (r - 1) * 5 + f),
    arrayElement(@value_layers, m),
    @run_id
FROM
(
    SELECT
        member_id, first_order_at, last_order_at, recency_days, frequency, monetary, orders_total,
        sum_recent, recent_n, sum_prior, prior_n,
        toUInt8(1 + intDiv(5 * r_below, n)) AS r,
        toUInt8(1 + intDiv(5 * f_below, n)) AS f,
        toUInt8(1 + intDiv(5 * m_below, n)) AS m
    FROM
    (
        SELECT * FROM
        (
            SELECT * FROM
            (
                SELECT *, (SELECT count() FROM {{scratch}}) AS n FROM {{scratch}}
            ) AS l1
            ANY LEFT JOIN
            (
                -- buyers with a strictly longer recency: sort descending
                SELECT p.1 AS recency_days, p.2 AS r_below FROM
                (
                    SELECT arrayJoin(arrayMap((t, s) -> (t.1, s - t.2), a, arrayCumSum(arrayMap(t -> t.2, a)))) AS p
                    FROM (SELECT arrayReverseSort(groupArray((recency_days, c))) AS a
                          FROM (SELECT recency_days, count() AS c FROM {{scratch}} GROUP BY recency_days))
                )
            ) AS r4 USING (recency_days)
        ) AS l2
        ANY LEFT JOIN
        (
            SELECT p.1 AS frequency, p.2 AS f_below FROM
            (
                SELECT arrayJoin(arrayMap((t, s) -> (t.1, s - t.2), a, arrayCumSum(arrayMap(t -> t.2, a)))) AS p
                FROM (SELECT arraySort(groupArray((frequency, c))) AS a
                      FROM (SELECT frequency, count() AS c FROM {{scratch}} GROUP BY frequency))
            )
        ) AS r5 USING (frequency)
    ) AS l3
    ANY LEFT JOIN
    (
        SELECT p.1 AS monetary, p.2 AS m_below FROM
        (
            SELECT arrayJoin(arrayMap((t, s) -> (t.1, s - t.2), a, arrayCumSum(arrayMap(t -> t.2, a)))) AS p
            FROM (SELECT arraySort(groupArray((monetary, c))) AS a
                  FROM (SELECT monetary, count() AS c FROM {{scratch}} GROUP BY monetary))
        )
    ) AS r6 USING (monetary)
)

-- name: cuts
SELECT
    toFloat64(count()),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(recency_days)),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(frequency)),
    quantilesExact(0.2, 0.4, 0.6, 0.8)(toFloat64(monetary))
FROM {{stage}}
