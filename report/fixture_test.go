package report

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var (
	day1 = time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

// fixture is a migrated database whose model output tables (created by
// the migrations on main) are filled by hand. n members exist at day2, the
// first n-4 of them also at day1.
type fixture struct {
	conn warehouse.Conn
	n    int
}

// newFixture fills the model tables (all of them unless only names some)
// for day2, and for day1 too when prevToo.
func newFixture(t *testing.T, prevToo bool, only ...string) *fixture {
	t.Helper()
	return newFixtureOn(t, chtest.Migrated(t), prevToo, only...)
}

// newFixtureOn is newFixture on a migrated database of any engine.
func newFixtureOn(t *testing.T, conn warehouse.Conn, prevToo bool, only ...string) *fixture {
	t.Helper()
	f := &fixture{conn: conn, n: 40}
	days := []time.Time{day2}
	if prevToo {
		days = append(days, day1)
	}
	for _, d := range days {
		f.fill(t, d, only)
	}
	return f
}

// drop removes model tables, to test a database where they were never created.
func (f *fixture) drop(t *testing.T, tables ...string) {
	t.Helper()
	for _, tb := range tables {
		if err := f.conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+warehouse.QuoteIdent(tb)); err != nil {
			t.Fatal(err)
		}
	}
}

func want(only []string, name string) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if o == name {
			return true
		}
	}
	return false
}

// members returns the member count on d.
func (f *fixture) members(d time.Time) int {
	if d.Equal(day1) {
		return f.n - 4
	}
	return f.n
}

// stage of member i on d: the pattern shifts by one between the days.
func stage(i int, d time.Time) string {
	stages := []string{"new", "active", "loyal", "sleeping", "churned"}
	k := i
	if d.Equal(day2) {
		k = i + 1
	}
	return stages[k%len(stages)]
}

// tierLevel of member i on d: every fourth member moves up a level.
func tierLevel(i int, d time.Time) int {
	l := i % 3
	if d.Equal(day2) && i%4 == 0 {
		l++
	}
	return l
}

var tierNames = []string{"Bronze", "Silver", "Gold", "Diamond"}

// profileRegion of member i: 20 regions, so that the filters gather the
// smaller ones under Other.
func profileRegion(i int) string { return fmt.Sprintf("R%02d", i%20) }

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *fixture) batch(t *testing.T, insert string, rows [][]any) {
	t.Helper()
	chtest.Insert(t, f.conn, insert, rows)
}

func (f *fixture) fill(t *testing.T, d time.Time, only []string) {
	t.Helper()
	n := f.members(d)
	var lc, cl, ch, rf, ti, po, en, mp [][]any
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("m%03d", i)
		lc = append(lc, []any{d, id, stage(i, d), "r"})
		freq := uint32(i % 4)
		mon := float64(100 + 10*i)
		clvV := float64(50 * (i + 1))
		cl = append(cl, []any{d, id, freq, uint32(10), uint32(100), 20.0, mon, 0.8, 1.5, 30.0, clvV, uint8(1 + i*10/n), uint8(1 + i*10/n), "r"})
		p := float64(i%10)/10 + 0.05
		band := []string{"low", "medium", "high", "critical"}[min(int(p*4), 3)]
		ch = append(ch, []any{d, id, p, band, "", "", "", 5.0, "r"})
		rf = append(rf, []any{d, id, uint32(i), freq + 1, decimal.NewFromFloat(mon), uint8(1 + i%5), uint8(1 + (i/5)%5), uint8(3), []string{"Champions", "Loyal", "At Risk"}[i%3], "r"})
		lv := tierLevel(i, d)
		ti = append(ti, []any{d, id, tierNames[lv], uint8(lv), "r"})
		if i%5 == 0 {
			po = append(po, []any{d, id, "clv_above_spend", 3.0, "r"})
		}
		if i%10 == 0 {
			po = append(po, []any{d, id, "rising_value", 1.5, "r"})
		}
		en = append(en, []any{d, id, uint32(i % 3), uint32(i%3 + i%2), float64(i * 100 / n), uint8(b01(i%7 == 0)), uint32(i),
			uint32(1), uint32(0), uint32(2), uint32(0), uint32(0), uint32(1), uint32(0), "r"})
		var clvP, churnP *float64
		if i%8 != 0 {
			clvP, churnP = &clvV, &p
		}
		mp = append(mp, []any{d, id, profileRegion(i), []string{"app", "web"}[i%2], tierNames[lv], stage(i, d), freq, decimal.NewFromFloat(mon), clvP, churnP, "r"})
	}
	if want(only, "engagement") {
		f.batch(t, "INSERT INTO engagement (as_of, member_id, sessions_30d, sessions_90d, score, engaged_low_spend, logins_90d, campaign_opens_90d, campaign_clicks_90d, reviews_90d, shares_90d, referrals_90d, checkins_90d, nps_answers_90d, run_id)", en)
	}
	if want(only, "member_profile") {
		f.batch(t, "INSERT INTO member_profile (as_of, member_id, region, channel, tier, lifecycle_stage, frequency, monetary, clv, churn_probability, run_id)", mp)
	}
	if want(only, "model_params") {
		f.batch(t, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{
			{d, "rfm", "window_days", 365.0, "r"}, {d, "clv", "horizon_days", 730.0, "r"}, {d, "clv", "annual_discount_rate", 0.1, "r"},
			{d, "lifecycle", "silent_days", 45.0, "r"}, {d, "lifecycle", "sleeping_days", 90.0, "r"}, {d, "lifecycle", "churned_days", 180.0, "r"},
			{d, "tiers", "window_days", 180.0, "r"}, {d, "potential", "decile_gap", 3.0, "r"}, {d, "engagement", "weight_login", 1.0, "r"},
		})
	}
	if want(only, "lifecycle") {
		f.batch(t, "INSERT INTO lifecycle (as_of, member_id, stage, run_id)", lc)
	}
	if want(only, "clv") {
		f.batch(t, "INSERT INTO clv (as_of, member_id, frequency, recency_days, age_days, mean_repeat_value, monetary, p_alive, expected_purchases, expected_aov, clv, clv_decile, spend_decile, run_id)", cl)
	}
	if want(only, "churn") {
		f.batch(t, "INSERT INTO churn (as_of, member_id, churn_probability, risk_band, driver_1, driver_2, driver_3, recency_days, run_id)", ch)
	}
	if want(only, "rfm") {
		f.batch(t, "INSERT INTO rfm (as_of, member_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment, run_id)", rf)
	}
	if want(only, "tiers") {
		f.batch(t, "INSERT INTO tiers (as_of, member_id, tier, tier_rank, run_id)", ti)
	}
	if want(only, "potential") {
		f.batch(t, "INSERT INTO potential (as_of, member_id, reason, score, run_id)", po)
	}
	if want(only, "cohorts") {
		var co [][]any
		for c := 0; c < 4; c++ {
			cohort := time.Date(2026, time.Month(7+c), 1, 0, 0, 0, 0, time.UTC)
			for p := 0; p < 4-c; p++ {
				co = append(co, []any{d, "first_order", "month", cohort, uint32(p), uint64(100), uint64(100) >> p, decimal.NewFromFloat(1000 / float64(int(1)<<p)), "r"},
					[]any{d, "first_order", "week", cohort, uint32(p), uint64(7), uint64(1), decimal.NewFromFloat(1), "r"})
			}
		}
		f.batch(t, "INSERT INTO cohorts (as_of, cohort_by, period_type, cohort, period, cohort_size, active_members, revenue, run_id)", co)
	}
	if want(only, "model_metrics") {
		mm := [][]any{{d, "churn", "auc", 0.8, "r"}, {d, "churn", "baseline_auc", 0.7, "r"}, {d, "churn", "lift_top_decile", 2.5, "r"}, {d, "churn", "horizon_days", 120.0, "r"},
			{d, "tiers", "upgrade_conversion_rate", 0.25, "r"}, {d, "tiers", "upgrade_conversion_rate_base", 8.0, "r"}}
		// reactivation: day1 (2 + 3) / 40 = 0.125, day2 (3 + 3) / 40 = 0.15
		sleep := 0.2
		if d.Equal(day2) {
			sleep = 0.3
		}
		mm = append(mm, []any{d, "lifecycle", "reactivation_base_sleeping", 10.0, "r"}, []any{d, "lifecycle", "reactivation_rate_sleeping", sleep, "r"},
			[]any{d, "lifecycle", "reactivation_base_churned", 30.0, "r"}, []any{d, "lifecycle", "reactivation_rate_churned", 0.1, "r"})
		for k := 1; k <= 10; k++ {
			key := fmt.Sprintf("calibration_%02d_", k)
			mm = append(mm, []any{d, "churn", key + "predicted", float64(k) / 10, "r"},
				[]any{d, "churn", key + "observed", float64(k)/10 - 0.01, "r"},
				[]any{d, "churn", key + "count", 100.0, "r"})
		}
		f.batch(t, "INSERT INTO model_metrics (as_of, model, metric, value, run_id)", mm)
	}
	if want(only, "job_runs") && d.Equal(day2) {
		start := time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)
		f.batch(t, "INSERT INTO job_runs (run_id, batch_id, job, as_of, trigger, status, attempt, started_at, finished_at, rows_in, rows_out, error, checks, owner, version)", [][]any{
			{"run-1", "b1", "rfm", d, "schedule", "succeeded", uint32(1), start, start.Add(3 * time.Second), uint64(40), uint64(40), "", "[]", "h:1", uint64(2)},
			{"run-2", "b1", "churn", d, "schedule", "failed", uint32(2), start.Add(time.Minute), start.Add(2 * time.Minute), uint64(40), uint64(0), "permanent: fit failed", "[]", "h:1", uint64(3)},
		})
	}
}
