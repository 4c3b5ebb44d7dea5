-- The headline KPIs of the newest published snapshot (member_profile_latest):
-- members, active members (lifecycle new, active or loyal), revenue (sum of
-- the members' rfm monetary), and the share of scored buyers at high or
-- critical churn risk (lapsed buyers are not scored). No row when nothing
-- is published.
SELECT
    toString(any(as_of))                                                   AS d,
    toFloat64(count())                                                     AS members,
    toFloat64(countIf(lifecycle_stage IN ('new', 'active', 'loyal')))      AS active,
    toFloat64(sum(monetary))                                               AS revenue,
    toFloat64(countIf(churn_risk_band IN ('high', 'critical')))
        / greatest(toFloat64(countIf(churn_risk_band NOT IN ('', 'lapsed'))), 1) AS churn_risk_share
FROM member_profile_latest
HAVING count() > 0
