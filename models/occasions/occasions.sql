-- occasions: each member's birthday and membership anniversary when it
-- falls in [as_of, as_of + @last] (@last = models.occasions.days - 1).
-- Dates are taken apart as text, so a date of birth of any year counts
-- (ClickHouse 18.16's Date starts in 1970); the day is rebuilt in the
-- candidate year from its month and day, a Feb 29 falling on Feb 28 in a
-- year without one. A source date that is not a real day (2001-04-31)
-- gives no occasion.

-- name: fill
INSERT INTO {{stage}} (as_of, member_id, occasion, occasion_date, days_until, years, source_date, run_id)
SELECT toDate(@as_of), member_id, occasion, occasion_date, toUInt16(occasion_date - toDate(@as_of)), toUInt16(y - src_year),
    src, @run_id
FROM
(
    SELECT member_id, occasion, src, src_year, src_month, y,
        addDays(addMonths(toDate(concat(toString(y), '-01-01')), toInt32(src_month) - 1),
            toInt32(if(src_month = 2 AND src_day = 29 AND NOT ((y % 4 = 0 AND y % 100 != 0) OR y % 400 = 0), 28, src_day)) - 1) AS occasion_date
    FROM
    (
        SELECT member_id, occasion, src, toUInt16OrZero(substring(src, 1, 4)) AS src_year,
            toUInt8OrZero(substring(src, 6, 2)) AS src_month, toUInt8OrZero(substring(src, 9, 2)) AS src_day,
            arrayJoin([toUInt32(toYear(toDate(@as_of))), toUInt32(toYear(toDate(@as_of)) + 1)]) AS y
        FROM
        (
            SELECT member_id, 'birthday' AS occasion, if(birth_date != '', birth_date, ifNull(toString(birthday), '')) AS src
            FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
            UNION ALL
            SELECT member_id, 'anniversary' AS occasion, toString(toDate(joined_at, @tz)) AS src
            FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
        )
        WHERE match(src, '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$')
    )
    WHERE src_month BETWEEN 1 AND 12 AND src_day BETWEEN 1 AND 31 AND y > src_year
)
WHERE toMonth(occasion_date) = src_month AND occasion_date >= toDate(@as_of) AND occasion_date <= addDays(toDate(@as_of), @last)

-- name: summary
SELECT occasion, count() FROM {{stage}} GROUP BY occasion

-- name: invalid
-- Members whose date of birth is given but is not a YYYY-MM-DD day.
SELECT count() FROM
(
    SELECT if(birth_date != '', birth_date, ifNull(toString(birthday), '')) AS src
    FROM members_current WHERE joined_at < toDateTime(@as_of_end, 'UTC')
)
WHERE src != '' AND (NOT match(src, '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$')
    OR toMonth(addDays(addMonths(toDate('2000-01-01'), toInt32(toUInt8OrZero(substring(src, 6, 2))) - 1),
        toInt32(toUInt8OrZero(substring(src, 9, 2))) - 1)) != toUInt8OrZero(substring(src, 6, 2))
    OR toUInt8OrZero(substring(src, 9, 2)) = 0)
