package rfm

import (
	"context"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestRFMIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Buyers, func(t *testing.T, conn warehouse.Conn) {
		m := mustNew(t, DefaultParams())
		r := modeltest.Run(t, conn, m, "2024-03-31", time.UTC)
		if r.Result.Rows["rfm"] != 6 {
			t.Errorf("rows = %d, want 6", r.Result.Rows["rfm"])
		}
		// Worked by hand (n = 5 scored buyers; d has no order in the window:
		// lapsed, scores 0; score = 1 + floor(5 * strictly worse / 5)):
		// recency a0 h21 b30 c30 g45 -> worse 4,3,1,1,0 -> R 5,4,2,2,1
		// frequency b1 c1 g1 a2 h2    -> lower 0,0,0,3,3 -> F 1,1,1,4,4
		// monetary g60 h100 a150 b200 c200 -> lower 0,1,2,3,3 -> M 1,2,3,4,4
		want := [][]string{
			{"a", "0", "2", "150", "2", "75", "75", "0", "\\N", "5", "4", "3", "543", "Champions", "mid-low"},
			{"b", "30", "1", "200", "1", "200", "200", "0", "\\N", "2", "1", "4", "214", "Hibernating", "mid-high"},
			{"c", "30", "1", "200", "1", "200", "200", "0", "\\N", "2", "1", "4", "214", "Hibernating", "mid-high"},
			{"d", "441", "0", "0", "1", "0", "0", "0", "\\N", "0", "0", "0", "000", "Lapsed", "low"},
			{"g", "45", "1", "60", "1", "60", "60", "0", "\\N", "1", "1", "1", "111", "Lost", "low"},
			{"h", "21", "2", "100", "2", "50", "60", "40", "0.5", "4", "4", "2", "442", "Loyal", "mid-low"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(frequency), toString(toFloat64(monetary)),
		toString(orders_total), toString(aov), toString(aov_recent), toString(aov_prior), ifNull(toString(aov_trend), '\\N'),
		toString(r_score), toString(f_score), toString(m_score), rfm_cell, segment, value_layer
		FROM rfm WHERE as_of = '2024-03-31' ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rfm rows:\n got %v\nwant %v", got, want)
		}
		// Re-running the same as_of replaces: same rows, new run id only.
		modeltest.Run(t, conn, m, "2024-03-31", time.UTC)
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm"); n != 6 {
			t.Errorf("after re-run rfm has %d rows, want 6", n)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics WHERE model = 'rfm' AND metric = 'buyers' AND value = 6"); n != 1 {
			t.Errorf("buyers metric rows = %d, want 1", n)
		}
		// An earlier as_of ignores later Orders: on 2024-03-15 a has one order
		// (2024-01-10, recency 65); orders after 2024-03-15 do not count.
		modeltest.Run(t, conn, m, "2024-03-15", time.UTC)
		got = chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(orders_total)
		FROM rfm WHERE as_of = '2024-03-15' ORDER BY member_id`)
		want = [][]string{{"a", "65", "1"}, {"b", "14", "1"}, {"c", "14", "1"}, {"d", "425", "1"}, {"g", "29", "1"}, {"h", "5", "2"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rfm 2024-03-15:\n got %v\nwant %v", got, want)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm_latest"); n != 6 {
			t.Errorf("rfm_latest has %d rows, want 6 (as_of 2024-03-31 only)", n)
		}
	})
}

func TestRFMShanghaiDayEndIntegration(t *testing.T) {
	t.Parallel()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "s", Joined: "2024-01-01 00:00:00"}, {ID: "late", Joined: "2024-03-31 16:00:00"}},
		Orders: []modeltest.Order{
			{Member: "s", At: "2024-03-30 16:00:00", Amount: 10}, // 2024-03-31 00:00 in Shanghai
			{Member: "s", At: "2024-03-31 15:59:59", Amount: 20}, // 23:59:59 on 2024-03-31 in Shanghai: counts
			{Member: "s", At: "2024-03-31 16:00:00", Amount: 40}, // 2024-04-01 00:00 in Shanghai: ignored
			{Member: "late", At: "2024-03-31 16:00:01", Amount: 5},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.Run(t, conn, mustNew(t, DefaultParams()), "2024-03-31", sh)
		got := chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(orders_total), toString(toFloat64(monetary)) FROM rfm`)
		want := [][]string{{"s", "0", "2", "30"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestRFMap(t *testing.T) {
	t.Parallel()
	m := RFMap(DefaultParams().Segments)
	cells := map[[2]int]string{
		{5, 5}: "Champions", {5, 4}: "Champions", {4, 5}: "Loyal", {3, 4}: "Loyal",
		{5, 2}: "Potential Loyalist", {5, 1}: "New", {4, 1}: "Promising", {3, 3}: "Need Attention",
		{3, 1}: "About to Sleep", {1, 5}: "Can't Lose Them", {2, 3}: "At Risk", {1, 1}: "Lost", {2, 1}: "Hibernating",
	}
	for c, want := range cells {
		if got := m[(c[0]-1)*5+c[1]-1]; got != want {
			t.Errorf("r=%d f=%d: %q, want %q", c[0], c[1], got, want)
		}
	}
	if strings.Contains(strings.Join(m, ","), ",,") || m[0] == "" {
		t.Errorf("uncovered cell in %v", m)
	}
}

// TestRFMScoresBuyersOfTheWindowIntegration: F and M are scored among the
// buyers with an order in the window, so lapsed buyers (none in the window)
// no longer push every one-order buyer to F >= 2; they get the lapsed
// segment and scores 0. On main the recent first-time buyer n1 was a
// "Potential Loyalist" (R5 F2) and q1 too (R4 F2).
func TestRFMScoresBuyersOfTheWindowIntegration(t *testing.T) {
	t.Parallel()
	f := modeltest.Fixture{}
	for _, id := range []string{"n1", "q1", "r1", "r2", "r3", "l1", "l2"} {
		f.Members = append(f.Members, modeltest.Member{ID: id, Joined: "2022-01-01 00:00:00"})
	}
	f.Orders = []modeltest.Order{
		{Member: "n1", At: "2024-03-30 10:00:00", Amount: 10},                                                          // first and only order, recency 1
		{Member: "q1", At: "2024-03-25 10:00:00", Amount: 20},                                                          // recency 6
		{Member: "l1", At: "2022-06-01 10:00:00", Amount: 500}, {Member: "l2", At: "2022-06-01 10:00:00", Amount: 500}, // lapsed, recency 669
	}
	for _, id := range []string{"r1", "r2", "r3"} {
		f.Orders = append(f.Orders, modeltest.Order{Member: id, At: "2024-01-10 10:00:00", Amount: 50}, modeltest.Order{Member: id, At: "2024-03-10 10:00:00", Amount: 50})
	}
	modeltest.ForEachEngine(t, f, func(t *testing.T, conn warehouse.Conn) {
		r := modeltest.Run(t, conn, mustNew(t, DefaultParams()), "2024-03-31", time.UTC)
		// By hand, n = 5 buyers in the window (n1, q1, r1-r3):
		// recency n1 1, q1 6, r* 21 -> worse 4, 3, 0 -> R 5, 4, 1
		// frequency n1 1, q1 1, r* 2 -> lower 0, 0, 2 -> F 1, 1, 3
		// monetary n1 10, q1 20, r* 100 -> lower 0, 1, 2 -> M 1, 2, 3
		want := [][]string{
			{"l1", "669", "0", "0", "0", "000", "Lapsed", "low"},
			{"l2", "669", "0", "0", "0", "000", "Lapsed", "low"},
			{"n1", "1", "5", "1", "1", "511", "New", "low"},
			{"q1", "6", "4", "1", "2", "412", "Promising", "mid-low"},
			{"r1", "21", "1", "3", "3", "133", "At Risk", "mid-low"},
			{"r2", "21", "1", "3", "3", "133", "At Risk", "mid-low"},
			{"r3", "21", "1", "3", "3", "133", "At Risk", "mid-low"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(r_score), toString(f_score), toString(m_score),
		rfm_cell, segment, value_layer FROM rfm ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rfm rows:\n got %v\nwant %v", got, want)
		}
		if r.Result.Metrics["buyers"] != 7 || r.Result.Metrics["scored_buyers"] != 5 || r.Result.Metrics["lapsed_buyers"] != 2 {
			t.Errorf("metrics %v, want buyers 7, scored_buyers 5, lapsed_buyers 2", r.Result.Metrics)
		}
		// The quintile cut points describe the scored buyers only.
		if r.Result.Params["frequency_p20"] != 1 || r.Result.Params["recency_days_p80"] != 21 || r.Result.Params["window_days"] != float64(DefaultParams().WindowDays) {
			t.Errorf("params %v, want frequency_p20 1, recency_days_p80 21 and window_days %d", r.Result.Params, DefaultParams().WindowDays)
		}
	})
}

// TestRFMGeneratedNewAndPromisingIntegration runs rfm on the generator's
// data (1,500 members, 18 months): New and Promising are not empty, every
// one-order buyer in the most recent quintile is New, and lapsed buyers
// are exactly those without an order in the window. On main New and
// Promising were empty.
func TestRFMGeneratedNewAndPromisingIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := datagen.DefaultOptions()
	o.Members = 1500
	o.OutDir = dir
	o.Start = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	o.End = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	o.Workers = 1
	if _, err := datagen.Generate(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	members := modeltest.ReadCSV(t, filepath.Join(dir, "members.csv"))
	orders := modeltest.ReadCSV(t, filepath.Join(dir, "orders.csv"))
	modeltest.ForEachEngine(t, modeltest.Fixture{}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.LoadCSV(t, conn, members, orders)
		modeltest.Run(t, conn, mustNew(t, DefaultParams()), "2024-06-30", time.UTC)
		seg := map[string]uint64{}
		for _, r := range chtest.Rows(t, conn, "SELECT segment, toString(count()) FROM rfm GROUP BY segment") {
			n, _ := strconv.ParseUint(r[1], 10, 64)
			seg[r[0]] = n
		}
		t.Logf("segments: %v", seg)
		if seg["New"] == 0 || seg["Promising"] == 0 || seg["Lapsed"] == 0 {
			t.Errorf("New %d, Promising %d, Lapsed %d: want all non-empty", seg["New"], seg["Promising"], seg["Lapsed"])
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE orders_total = 1 AND r_score = 5 AND segment != 'New'"); n != 0 {
			t.Errorf("%d recent first-time buyers are not New", n)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE (frequency = 0) != (segment = 'Lapsed')"); n != 0 {
			t.Errorf("%d rows where lapsed (no order in the window) and the Lapsed segment disagree", n)
		}
	})
}

// TestRFMOnlyLapsedBuyersIntegration: when no buyer has a paid order in the
// window (every buyer lapsed: a date past the orders, reached with
// --allow-empty or when events run on long after the last order), every
// buyer is Lapsed with scores 0. Before, the fill query divided by the
// number of scored buyers (0) in the branch `if` evaluates anyway and the
// run failed with ClickHouse's "Division by zero" (code 153).
func TestRFMOnlyLapsedBuyersIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "l1", Joined: "2022-01-01 00:00:00"}, {ID: "l2", Joined: "2022-01-01 00:00:00"}},
		Orders: []modeltest.Order{
			{Member: "l1", At: "2022-06-01 10:00:00", Amount: 500},
			{Member: "l2", At: "2022-07-01 10:00:00", Amount: 300},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		r := modeltest.Run(t, conn, mustNew(t, DefaultParams()), "2024-03-31", time.UTC)
		want := [][]string{
			{"l1", "669", "0", "0", "0", "000", "Lapsed", "low"},
			{"l2", "639", "0", "0", "0", "000", "Lapsed", "low"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(r_score), toString(f_score), toString(m_score),
		rfm_cell, segment, value_layer FROM rfm ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rfm rows:\n got %v\nwant %v", got, want)
		}
		if r.Result.Metrics["buyers"] != 2 || r.Result.Metrics["scored_buyers"] != 0 || r.Result.Metrics["lapsed_buyers"] != 2 {
			t.Errorf("metrics %v, want buyers 2, scored_buyers 0, lapsed_buyers 2", r.Result.Metrics)
		}
	})
}
