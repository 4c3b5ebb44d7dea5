-- engagement_scores: members per tenth of the engagement score (0-100;
-- bin 9 holds 90 to 100) at the as_of.
SELECT
    toFloat64(least(intDiv(toUInt32(floor(greatest(score, 0))), 10), 9)) AS bin,
    toFloat64(count())                                                     AS members
FROM engagement
WHERE as_of = toDate(@as_of)
GROUP BY bin
