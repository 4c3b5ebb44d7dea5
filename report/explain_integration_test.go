package report

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestExplainedReportIntegration loads the definitions, trends and
// filters from hand-filled model tables on both engines
// and checks them against the fixture's known figures.
func TestExplainedReportIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			f := newFixtureOn(t, e.Conn, true)
			// lifecycle also ran a week before day1 and a week after day2:
			// the trends of day2 start at day0 and stop at day2.
			day0, day3 := day1.AddDate(0, 0, -7), day2.AddDate(0, 0, 7)
			f.fill(t, day0, []string{"lifecycle"})
			f.fill(t, day3, []string{"lifecycle"})
			r, err := Load(context.Background(), f.conn, day2)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if ms := r.Missing(); len(ms) > 0 {
				t.Fatalf("Missing() = %+v, want none", ms)
			}
			checkTrends(t, r, map[string][]time.Time{
				"kpi_members": {day0, day1, day2}, "kpi_active": {day0, day1, day2}, "kpi_churn_rate": {day0, day1, day2},
				"kpi_reactivation": {day1, day2}, "kpi_buyers": {day1, day2}, "kpi_arpu": {day1, day2},
				"kpi_repurchase": {day1, day2}, "kpi_avg_clv": {day1, day2}, "kpi_predicted_churn": {day1, day2},
			})
			for _, tr := range r.Trends {
				if k, _ := kpi(r, tr.Key); tr.Points[len(tr.Points)-1].Value != k.Cur {
					t.Errorf("%s: last trend point %g is not the headline figure %g", tr.Key, tr.Points[len(tr.Points)-1].Value, k.Cur)
				}
			}
			// Params: from model_params, the churn horizon from model_metrics.
			for _, p := range []struct {
				model, name string
				want        float64
			}{{"rfm", "window_days", 365}, {"clv", "horizon_days", 730}, {"lifecycle", "sleeping_days", 90}, {"churn", "horizon_days", 120}} {
				if got, ok := r.Params[p.model][p.name]; !ok || got != p.want {
					t.Errorf("param %s.%s = %g (%v), want %g", p.model, p.name, got, ok, p.want)
				}
			}
			checkFilters(t, r.Filters)
			for _, l := range Langs {
				var b bytes.Buffer
				if err := Render(&b, r, Options{Lang: l, Currency: "¥"}); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				for _, w := range []string{`data-chart="trend_members"`, `name="filters"`, `download="filters.csv"`} {
					if !strings.Contains(out, w) {
						t.Errorf("%s page lacks %s", l, w)
					}
				}
				if strings.Contains(out, "??") {
					t.Errorf("%s: untranslated label", l)
				}
			}
		})
	}
}

// checkTrends asserts one point per as_of at which each KPI's table had
// rows, up to the report's as_of.
func checkTrends(t *testing.T, r *Report, want map[string][]time.Time) {
	t.Helper()
	if len(r.Trends) != len(want) {
		t.Errorf("%d trends, want %d", len(r.Trends), len(want))
	}
	for _, tr := range r.Trends {
		var got []string
		for _, p := range tr.Points {
			got = append(got, p.AsOf)
		}
		var w []string
		for _, d := range want[tr.Key] {
			w = append(w, d.Format("2006-01-02"))
		}
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("trend %s has points at %v, want %v", tr.Key, got, w)
		}
	}
}

// checkFilters asserts each dimension's slices add up to the totals, and
// the totals to the fixture's member_profile rows of day2.
func checkFilters(t *testing.T, fl Filters) {
	t.Helper()
	clvSum, spend := 0.0, 0.0
	for i := 0; i < 40; i++ {
		spend += float64(100 + 10*i)
		if i%8 != 0 {
			clvSum += float64(50 * (i + 1))
		}
	}
	want := Figures{Members: 40, Active: 24, Buyers: 30, Spend: spend, CLVSum: clvSum, CLVN: 35, ChurnN: 35}
	got := fl.Total
	got.ChurnSum = 0
	if got != want {
		t.Errorf("filter totals = %+v\nwant %+v", fl.Total, want)
	}
	sums := map[string]*Figures{}
	n := map[string]int{}
	for _, s := range fl.Slices {
		if sums[s.Dim] == nil {
			sums[s.Dim] = &Figures{}
		}
		sums[s.Dim].add(s.Figures)
		n[s.Dim]++
	}
	for _, d := range filterDims {
		s := sums[d]
		if s == nil {
			t.Errorf("no %s slices", d)
			continue
		}
		close := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
		if !close(s.Members, fl.Total.Members) || !close(s.Active, fl.Total.Active) || !close(s.Buyers, fl.Total.Buyers) || !close(s.Spend, fl.Total.Spend) ||
			!close(s.CLVSum, fl.Total.CLVSum) || !close(s.CLVN, fl.Total.CLVN) || !close(s.ChurnSum, fl.Total.ChurnSum) || !close(s.ChurnN, fl.Total.ChurnN) {
			t.Errorf("%s slices add up to %+v, want the totals %+v", d, *s, fl.Total)
		}
	}
	// 20 regions: the 11 largest and Other; 2 channels; 4 tiers.
	if n["region"] != maxSliceValues || n["channel"] != 2 || n["tier"] != 4 {
		t.Errorf("slices per dimension = %v, want region %d, channel 2, tier 4", n, maxSliceValues)
	}
}
