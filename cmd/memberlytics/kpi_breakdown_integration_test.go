package main

import (
	"math"
	"strconv"
	"testing"
)

// TestKPIBreakdownOnGeneratedDataIntegration: on generated data after
// `run all`, kpi_breakdown and kpi_contribution equal plain SQL over the
// raw views and member_profile: the all row's orders, revenue, discount,
// buyers and repeat buyers (two purchase days), members per tier, revenue
// per sales channel, and the top 10% of members' revenue.
func TestKPIBreakdownOnGeneratedDataIntegration(t *testing.T) {
	t.Parallel()
	env, _, _ := publishPipeline(t) // run all for 2025-12-30, UTC, default 365-day window
	conn := openTestConn(t, env)
	const paid = `(status = 'paid' OR updated_at >= toDateTime('2025-12-31 00:00:00', 'UTC'))
		AND ordered_at < toDateTime('2025-12-31 00:00:00', 'UTC') AND ordered_at >= toDateTime('2025-01-01 00:00:00', 'UTC')
		AND member_id IN (SELECT member_id FROM member_profile_latest)`
	members, _ := strconv.Atoi(queryString(t, conn, "SELECT toString(count()) FROM member_profile_latest"))
	top := int(math.Ceil(float64(members)*0.1 - 1e-9))
	checks := []struct{ what, got, want string }{
		{"all row", `SELECT concat(toString(orders), ' ', toString(revenue), ' ', toString(discount), ' ', toString(buyers), ' ', toString(repeat_buyers))
			FROM kpi_breakdown_latest WHERE dimension = 'all'`,
			`SELECT concat(toString(count()), ' ', toString(sum(amount)), ' ', toString(sum(discount)), ' ', toString(uniqExact(member_id)), ' ',
				toString((SELECT count() FROM (SELECT member_id FROM orders_current WHERE ` + paid + ` GROUP BY member_id HAVING uniqExact(toDate(ordered_at)) > 1))))
			FROM orders_current WHERE ` + paid},
		{"members per tier", `SELECT arrayStringConcat(groupArray(concat(value, ':', toString(members))), ',') FROM (SELECT value, members FROM kpi_breakdown_latest WHERE dimension = 'tier' ORDER BY value)`,
			`SELECT arrayStringConcat(groupArray(concat(tier, ':', toString(n))), ',') FROM (SELECT tier, count() AS n FROM member_profile_latest GROUP BY tier ORDER BY tier)`},
		{"revenue per sales channel", `SELECT arrayStringConcat(groupArray(concat(value, ':', toString(revenue))), ',') FROM (SELECT value, revenue FROM kpi_breakdown_latest WHERE dimension = 'channel' ORDER BY value)`,
			`SELECT arrayStringConcat(groupArray(concat(channel, ':', toString(r))), ',') FROM (SELECT channel, sum(amount) AS r FROM orders_current WHERE ` + paid + ` GROUP BY channel ORDER BY channel)`},
		{"top 10% revenue", `SELECT toString(round(top_revenue, 2)) FROM kpi_contribution_latest WHERE top_share = 0.1`,
			`SELECT toString(round(sum(r), 2)) FROM (SELECT r FROM (
				SELECT member_id, toFloat64(0) AS r FROM member_profile_latest WHERE member_id NOT IN (SELECT member_id FROM orders_current WHERE ` + paid + `)
				UNION ALL SELECT member_id, toFloat64(sum(amount)) AS r FROM orders_current WHERE ` + paid + ` GROUP BY member_id)
				ORDER BY r DESC LIMIT ` + strconv.Itoa(top) + `)`},
	}
	for _, c := range checks {
		got, want := queryString(t, conn, c.got), queryString(t, conn, c.want)
		t.Logf("%s: %s", c.what, got)
		if got != want || got == "" {
			t.Errorf("%s: kpi_breakdown says %q, plain SQL %q", c.what, got, want)
		}
	}
	share, _ := strconv.ParseFloat(queryString(t, conn, "SELECT toString(revenue_share) FROM kpi_contribution_latest WHERE top_share = 0.1"), 64)
	if !(share > 0.1 && share < 1) || math.IsNaN(share) {
		t.Errorf("top 10%% share of revenue %v: want above 10%% on generated data", share)
	}
}
