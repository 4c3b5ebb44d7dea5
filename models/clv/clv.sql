-- clv: customer lifetime value (BG/NBD + Gamma-Gamma). Go fits the models
-- on distinct (x, t_x, T) tuples grouped here, scores each tuple once, and
-- ClickHouse joins the scores back to every member, so Go's memory grows
-- with distinct tuples, never with members.
--
-- Bound values: as_of, as_of_end, tz, run_id (the window), and for the
-- score query the fitted Gamma-Gamma p, q, v.

-- name: stats
-- Per-member sufficient statistics as of D, inclusive in the business
-- time zone, for members who joined by D (as rfm). Only paid orders before
-- the end of D count (as_of_end, UTC),
-- so later loads never change an old as_of. Orders collapse to purchase
-- days in the business time zone: several orders on one day are one
-- purchase of their summed value.
--   x                  purchase days - 1 (repeat purchases)
--   t_x                days from the first to the last purchase day
--   T                  days from the first purchase day to D
--   mean_repeat_value  mean value of the repeat purchase days (0 when x = 0)
--   monetary           total paid value up to D
CREATE TABLE {{work}} ENGINE = MergeTree() ORDER BY member_id AS
SELECT
    member_id,
    toUInt32(count() - 1)                                                 AS x,
    toUInt32(max(day) - min(day))                                         AS t_x,
    toUInt32(toDate(@as_of) - min(day))                                   AS T,
    if(count() > 1, toFloat64(sum(value) - argMin(value, day)) / (count() - 1), 0) AS mean_repeat_value,
    toFloat64(sum(value))                                                 AS monetary
FROM
(
    -- Decimal sums: exact whatever order the engine adds the rows in, so
    -- every ClickHouse version gives the same bits (Float64 sums did not).
    SELECT member_id, toDate(ordered_at, @tz) AS day, sum(amount) AS value
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@as_of_end, 'UTC')) AND ordered_at < toDateTime(@as_of_end, 'UTC')
      AND member_id IN (SELECT member_id FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC'))
    GROUP BY member_id, day
)
GROUP BY member_id

-- name: tuples
-- Distinct BG/NBD histories with their member counts, for the fit and
-- for scoring. Ordered, so the fit sums its terms in the same order on
-- every server and every run (the optimiser's path, and so the last bits
-- of the parameters, depend on it).
SELECT x, t_x, T, count() AS members
FROM {{work}}
GROUP BY x, t_x, T
ORDER BY x, t_x, T

-- name: spend
-- Repeat buyers grouped by (x, mean value to the cent) for Gamma-Gamma,
-- ordered like tuples. The cent is rounded half up with floor(m*100+0.5):
-- round() breaks ties half away from zero on 18.16 and half to even on
-- current ClickHouse.
SELECT x, floor(mean_repeat_value * 100 + 0.5) / 100 AS m, count() AS members
FROM {{work}}
WHERE x > 0
GROUP BY x, m
ORDER BY x, m

-- name: tuple_table
-- Scores of each distinct tuple, written by Go in bounded batches.
CREATE TABLE {{scores}}
(
    x                    UInt32,
    t_x                  UInt32,
    T                    UInt32,
    p_alive              Float64,
    expected_purchases   Float64,
    discounted_purchases Float64
)
ENGINE = Memory

-- name: scored
-- Every member with its tuple's scores and its expected order value,
-- E[M | x, mean] = p (v + x mean) / (p x + q - 1) (the population mean
-- p v / (q - 1) without a positive repeat mean). A view, so the bounds
-- and the fill read the same expression.
CREATE VIEW {{scored}} AS
SELECT
    member_id, x, t_x, T, mean_repeat_value, monetary, p_alive, expected_purchases,
    if(x > 0 AND mean_repeat_value > 0,
       @p * (@v + x * mean_repeat_value) / (@p * x + @q - 1),
       @p * @v / (@q - 1))                                   AS expected_aov,
    discounted_purchases * expected_aov                       AS clv
FROM {{work}}
ANY LEFT JOIN {{scores}} USING (x, t_x, T)

-- name: bounds
-- Decile cut points of CLV and of past spend.
SELECT
    quantilesExact(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)(clv)      AS clv_bounds,
    quantilesExact(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)(monetary) AS spend_bounds
FROM {{scored}}

-- name: fill
-- Deciles: 1 + the number of cut points strictly below the value, so 10
-- is the top tenth and members tied at a cut point take the lower decile.
INSERT INTO {{stage}} (as_of, member_id, frequency, recency_days, age_days, mean_repeat_value, monetary,
                       p_alive, expected_purchases, expected_aov, clv, clv_decile, spend_decile, run_id)
SELECT
    toDate(@as_of), member_id, x, t_x, T, mean_repeat_value, monetary,
    p_alive, expected_purchases, expected_aov, clv,
    toUInt8(1 + arrayCount(b -> clv > b, @clv_bounds)),
    toUInt8(1 + arrayCount(b -> monetary > b, @spend_bounds)),
    @run_id
FROM {{scored}}

-- name: holdout_members
-- For memberlytics evaluate clv: every calibration member with the
-- paid purchase days and revenue in the holdout (after as_of, before
-- holdout_end), in member order.
SELECT x, t_x, T, mean_repeat_value, toUInt32(actual) AS actual, toFloat64(revenue) AS revenue
FROM {{work}}
ANY LEFT JOIN
(
    SELECT member_id, uniqExact(toDate(ordered_at, @tz)) AS actual, sum(amount) AS revenue
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@holdout_end, 'UTC')) AND ordered_at >= toDateTime(@as_of_end, 'UTC') AND ordered_at < toDateTime(@holdout_end, 'UTC')
    GROUP BY member_id
) AS h USING member_id
ORDER BY member_id

-- name: holdout
-- For memberlytics evaluate clv: every calibration history with the
-- member's actual purchase days in the holdout, after as_of (the
-- calibration end) and before holdout_end, grouped.
SELECT x, t_x, T, toUInt32(actual) AS actual, count() AS members
FROM {{work}}
ANY LEFT JOIN
(
    SELECT member_id, uniqExact(toDate(ordered_at, @tz)) AS actual
    FROM orders_current
    WHERE (status = 'paid' OR updated_at >= toDateTime(@holdout_end, 'UTC')) AND ordered_at >= toDateTime(@as_of_end, 'UTC') AND ordered_at < toDateTime(@holdout_end, 'UTC')
    GROUP BY member_id
) AS h USING member_id
GROUP BY x, t_x, T, actual
