package lifecycle

import (
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestKaplanMeierQuantiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		gaps   []GapCount
		levels []float64
		want   []float64
		ok     bool
	}{
		{
			// 3 gaps of 10 and one of 100 completed; 6 buyers 50 days into an
			// open gap. n = 10 at 10: S = 0.7; at 100 one at risk: S = 0.
			// F = 0.3 at 10, 1 at 100. The pooled completed gaps (10, 10, 10,
			// 100) put the 60th percentile at 10; with the open gaps it is 100.
			name:   "open gaps lengthen the tail",
			gaps:   []GapCount{{10, 3, 0}, {50, 0, 6}, {100, 1, 0}},
			levels: []float64{0.25, 0.3, 0.6},
			want:   []float64{10, 10, 100},
			ok:     true,
		},
		{
			// Never back: 2 of 4 complete a 5-day gap, 2 are open at 30 days.
			// S(5) = 0.5, F(tmax) = 0.5: every level is of the returning half.
			name:   "levels are of the buyers who come back",
			gaps:   []GapCount{{5, 2, 0}, {30, 0, 2}},
			levels: []float64{0.9},
			want:   []float64{5},
			ok:     true,
		},
		{
			// A gap censored at its own length is still at risk then:
			// n = 4 at 20 -> S = 0.75; at 40 n = 2 -> S = 0.375.
			// F = 0.25, 0.625; p = 0.5 of 0.625 = 0.3125 -> 40.
			name:   "censored at an event time is at risk",
			gaps:   []GapCount{{20, 1, 1}, {40, 1, 1}},
			levels: []float64{0.4, 0.5},
			want:   []float64{20, 40},
			ok:     true,
		},
		{name: "only open gaps", gaps: []GapCount{{7, 0, 3}}, levels: []float64{0.5}, ok: false},
		{name: "no gaps", levels: []float64{0.5}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := KaplanMeierQuantiles(tt.gaps, tt.levels)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// lifecycleFixture: worked in the comments of TestLifecycleIntegration.
var lifecycleFixture = modeltest.Fixture{
	Members: []modeltest.Member{
		{ID: "a", Joined: "2023-01-01 00:00:00"}, {ID: "b", Joined: "2023-01-01 00:00:00"}, {ID: "c", Joined: "2023-01-01 00:00:00"},
		{ID: "d", Joined: "2023-01-01 00:00:00"}, {ID: "f", Joined: "2023-01-01 00:00:00"}, {ID: "g", Joined: "2023-01-01 00:00:00"},
		{ID: "h", Joined: "2023-01-01 00:00:00"}, {ID: "n", Joined: "2023-01-01 00:00:00"}, {ID: "p", Joined: "2023-01-01 00:00:00"},
		{ID: "late", Joined: "2024-05-02 00:00:00"},
	},
	Orders: []modeltest.Order{
		{Member: "a", At: "2024-03-01 10:00:00", Amount: 10}, {Member: "a", At: "2024-03-11 10:00:00", Amount: 10}, {Member: "a", At: "2024-03-21 10:00:00", Amount: 10},
		{Member: "b", At: "2024-02-01 10:00:00", Amount: 10}, {Member: "b", At: "2024-03-02 10:00:00", Amount: 10},
		{Member: "c", At: "2024-01-01 10:00:00", Amount: 10},
		{Member: "d", At: "2023-10-03 10:00:00", Amount: 10},
		{Member: "f", At: "2023-12-01 10:00:00", Amount: 10}, {Member: "f", At: "2024-01-20 10:00:00", Amount: 10}, {Member: "f", At: "2024-04-20 10:00:00", Amount: 10},
		{Member: "g", At: "2023-06-01 10:00:00", Amount: 10}, {Member: "g", At: "2023-06-11 10:00:00", Amount: 10}, {Member: "g", At: "2024-04-10 10:00:00", Amount: 10},
		{Member: "h", At: "2024-02-20 10:00:00", Amount: 10},
		{Member: "n", At: "2024-03-31 23:59:59", Amount: 10}, // the last second of as_of counts
		{Member: "p", At: "2024-03-05 10:00:00", Amount: 10, Status: "refunded"},
		{Member: "late", At: "2024-05-03 10:00:00", Amount: 10},
	},
}

func TestLifecycleIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, lifecycleFixture, func(t *testing.T, conn warehouse.Conn) {
		cfg := DefaultParams() // new 90 days, loyal 4 orders, smoothing 0.5
		cfg.SilentPercentile, cfg.SleepingPercentile, cfg.ChurnedPercentile = 0.3, 0.6, 0.9
		m := modeltest.Must(New(cfg))
		// 2024-03-31. Completed gaps: a 10, 10; b 30; f 50; g 10. Open gaps
		// (censored): a 10, b 29, c 90, d 180, f 71, g 294, h 40 (n bought
		// today: none). Kaplan-Meier, n at risk: t=10 n=12, 3 events ->
		// S .75; t=30 n=7 -> S .6429; t=50 n=5 -> S .5143. F(50) = .4857;
		// levels .3/.6/.9 of it = .146, .291, .437 -> 10, 30, 50.
		r := modeltest.Run(t, conn, m, "2024-03-31", time.UTC)
		wantParams := map[string]float64{"silent_days": 10, "sleeping_days": 30, "churned_days": 50, "learned_silent_days": 10,
			"learned_sleeping_days": 30, "learned_churned_days": 50, "smoothing": 0, "observed_gaps": 5, "censored_gaps": 7}
		if !reflect.DeepEqual(r.Result.Params, wantParams) {
			t.Errorf("2024-03-31 params:\n got %v\nwant %v", r.Result.Params, wantParams)
		}
		q := `SELECT member_id, stage, previous_stage, toString(paid_orders), toString(days_since_first), toString(days_since_last),
		toString(silent_days), toString(sleeping_days), toString(churned_days) FROM lifecycle WHERE as_of = ? ORDER BY member_id`
		want := [][]string{
			{"a", "silent", "", "3", "30", "10", "10", "30", "50"},
			{"b", "silent", "", "2", "59", "29", "10", "30", "50"},
			{"c", "churned", "", "1", "90", "90", "10", "30", "50"},
			{"d", "churned", "", "1", "180", "180", "10", "30", "50"},
			{"f", "churned", "", "2", "121", "71", "10", "30", "50"},
			{"g", "churned", "", "2", "304", "294", "10", "30", "50"},
			{"h", "sleeping", "", "1", "40", "40", "10", "30", "50"},
			{"n", "new", "", "1", "0", "0", "10", "30", "50"},
			{"p", "prospect", "", "0", "-1", "-1", "10", "30", "50"}, // only a refund
		}
		if got := chtest.Rows(t, conn, q, "2024-03-31"); !reflect.DeepEqual(got, want) {
			t.Errorf("lifecycle 2024-03-31:\n got %v\nwant %v", got, want)
		}
		// The first run has nothing before it: every member comes from none,
		// and there is no reactivation base.
		if n := chtest.QueryUint(t, conn, "SELECT sum(members) FROM lifecycle_flow WHERE as_of = '2024-03-31' AND from_stage = 'none' AND previous_as_of = as_of"); n != 9 {
			t.Errorf("first run: %d members from none, want 9", n)
		}
		if _, ok := r.Result.Metrics["reactivation_base_churned"]; ok {
			t.Errorf("first run has reactivation metrics: %v", r.Result.Metrics)
		}

		// 2024-04-30. Completed gaps add f 91 and g 304; open gaps a 40,
		// b 59, c 120, d 210, f 10, g 20, h 70, n 30. KM: t=10 n=15, 3 ->
		// S .8; t=30 n=10 -> .72; t=50 n=7 -> .6171; t=91 n=4 -> .4629;
		// t=304 n=1 -> 0. F(304) = 1: levels .3/.6/.9 -> 50, 304, 304 (the
		// pooled completed gaps 10, 10, 10, 30, 50, 91, 304 alone, as on main,
		// give 10, 50, 304: the open gaps lengthen the silent threshold).
		// Smoothed with the published 10/30/50 at 0.5: 30, 167, 177.
		r = modeltest.Run(t, conn, m, "2024-04-30", time.UTC)
		for k, v := range map[string]float64{"silent_days": 30, "sleeping_days": 167, "churned_days": 177,
			"learned_silent_days": 50, "learned_sleeping_days": 304, "learned_churned_days": 304, "smoothing": 0.5} {
			if r.Result.Params[k] != v {
				t.Errorf("2024-04-30 %s = %v, want %v", k, r.Result.Params[k], v)
			}
		}
		want = [][]string{
			{"a", "silent", "silent", "3", "60", "40", "30", "167", "177"},
			{"b", "silent", "silent", "2", "89", "59", "30", "167", "177"},
			{"c", "silent", "churned", "1", "120", "120", "30", "167", "177"},
			{"d", "churned", "churned", "1", "210", "210", "30", "167", "177"},
			{"f", "active", "churned", "3", "151", "10", "30", "167", "177"},
			{"g", "active", "churned", "3", "334", "20", "30", "167", "177"},
			{"h", "silent", "sleeping", "1", "70", "70", "30", "167", "177"},
			{"n", "silent", "new", "1", "30", "30", "30", "167", "177"},
			{"p", "prospect", "prospect", "0", "-1", "-1", "30", "167", "177"},
		}
		if got := chtest.Rows(t, conn, q, "2024-04-30"); !reflect.DeepEqual(got, want) {
			t.Errorf("lifecycle 2024-04-30:\n got %v\nwant %v", got, want)
		}
		// Reactivation: churned on 2024-03-31 c, d, f, g; f and g bought
		// again -> 0.5. Sleeping h did not (0); silent a, b did not (0).
		for k, v := range map[string]float64{"reactivation_base_churned": 4, "reactivation_rate_churned": 0.5,
			"reactivation_base_sleeping": 1, "reactivation_rate_sleeping": 0, "reactivation_base_silent": 2, "reactivation_rate_silent": 0,
			"members_silent": 5, "members_churned": 1, "members_active": 2, "members_prospect": 1} {
			if got, ok := r.Result.Metrics[k]; !ok || got != v {
				t.Errorf("2024-04-30 metric %s = %v (%v), want %v", k, got, ok, v)
			}
		}
		flow := [][]string{
			{"churned", "active", "2"}, {"churned", "churned", "1"}, {"churned", "silent", "1"}, {"new", "silent", "1"},
			{"prospect", "prospect", "1"}, {"silent", "silent", "2"}, {"sleeping", "silent", "1"},
		}
		fq := `SELECT from_stage, to_stage, toString(members) FROM lifecycle_flow WHERE as_of = '2024-04-30' ORDER BY from_stage, to_stage`
		if got := chtest.Rows(t, conn, fq); !reflect.DeepEqual(got, flow) {
			t.Errorf("flow:\n got %v\nwant %v", got, flow)
		}
		// Re-run: same rows and thresholds (the previous as_of is still 2024-03-31).
		r = modeltest.Run(t, conn, m, "2024-04-30", time.UTC)
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM lifecycle"); n != 18 {
			t.Errorf("after re-run lifecycle has %d rows, want 18", n)
		}
		if r.Result.Params["sleeping_days"] != 167 {
			t.Errorf("re-run sleeping_days = %v, want 167", r.Result.Params["sleeping_days"])
		}
		if got := chtest.Rows(t, conn, fq); !reflect.DeepEqual(got, flow) {
			t.Errorf("flow after re-run:\n got %v\nwant %v", got, flow)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM model_params WHERE model = 'lifecycle' AND as_of = '2024-04-30' AND name = 'churned_days' AND value = 177"); n != 1 {
			t.Errorf("published churned_days rows = %d, want 1", n)
		}
	})
}

func TestLifecycleConfiguredThresholdsIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, lifecycleFixture, func(t *testing.T, conn warehouse.Conn) {
		cfg := DefaultParams()
		cfg.SilentDays, cfg.SleepingDays, cfg.ChurnedDays = 30, 60, 100
		r := modeltest.Run(t, conn, modeltest.Must(New(cfg)), "2024-03-31", time.UTC)
		got := chtest.Rows(t, conn, `SELECT member_id, stage, toString(silent_days), toString(sleeping_days), toString(churned_days) FROM lifecycle
		WHERE member_id IN ('a', 'b', 'c', 'f', 'h') ORDER BY member_id`)
		want := [][]string{{"a", "new", "30", "60", "100"}, {"b", "new", "30", "60", "100"}, {"c", "sleeping", "30", "60", "100"},
			{"f", "sleeping", "30", "60", "100"}, {"h", "silent", "30", "60", "100"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		// Configured values win; the learned ones are still published (default
		// levels .75/.9/.95 of F(50) = .4857 all land on 50).
		if r.Result.Params["churned_days"] != 100 || r.Result.Params["learned_churned_days"] != 50 {
			t.Errorf("params %v, want churned_days 100 and learned_churned_days 50", r.Result.Params)
		}
	})
}
