package models

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/chtest"
	"github.com/memberlytics/memberlytics/internal/warehouse"
)

// rfmFixture: as_of 2024-03-31 (UTC), window 365 days = [2023-04-01, 2024-04-01),
// trend periods [2024-01-02, 2024-04-01) and [2023-10-04, 2024-01-02).
var rfmFixture = fixture{
	members: []fxMember{
		{"a", "2023-01-01 00:00:00"}, {"b", "2023-01-01 00:00:00"}, {"c", "2023-01-01 00:00:00"},
		{"d", "2023-01-01 00:00:00"}, {"e", "2023-01-01 00:00:00"}, {"f", "2024-04-02 10:00:00"},
		{"g", "2023-01-01 00:00:00"}, {"h", "2023-01-01 00:00:00"},
	},
	orders: []fxOrder{
		{"a", "2024-01-10 12:00:00", 50, ""},
		{"a", "2024-03-31 23:59:59", 100, ""}, // the last second of as_of: counts
		{"b", "2024-03-01 09:00:00", 200, ""},
		{"c", "2024-03-01 18:00:00", 200, ""}, // ties b on every value
		{"d", "2023-01-15 10:00:00", 30, ""},  // before the window: frequency 0
		{"e", "2024-03-20 10:00:00", 80, "refunded"},
		{"e", "2024-03-21 10:00:00", 90, "cancelled"}, // only refunds: no rfm row
		{"f", "2024-04-02 11:00:00", 70, ""},          // joined after as_of
		{"g", "2024-02-15 10:00:00", 60, ""},
		{"g", "2024-04-01 00:00:00", 500, ""}, // first second after as_of: ignored
		{"h", "2023-12-01 10:00:00", 40, ""},
		{"h", "2024-03-10 10:00:00", 60, ""},
	},
}

func TestRFMIntegration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, rfmFixture, func(t *testing.T, conn warehouse.Conn) {
		m := NewRFM(defaults().RFM)
		r := runModel(t, conn, m, "2024-03-31", time.UTC)
		if r.Result.Rows["rfm"] != 6 {
			t.Errorf("rows = %d, want 6", r.Result.Rows["rfm"])
		}
		// Worked by hand (n = 6 buyers; score = 1 + floor(5 * strictly worse / 6)):
		// recency a0 h21 b30 c30 g45 d441 -> worse 5,4,2,2,1,0 -> R 5,4,2,2,1,1
		// frequency d0 b1 c1 g1 a2 h2    -> lower 0,1,1,1,4,4 -> F 1,1,1,1,4,4
		// monetary d0 g60 h100 a150 b200 c200 -> lower 0,1,2,3,4,4 -> M 1,1,2,3,4,4
		want := [][]string{
			{"a", "0", "2", "150", "2", "75", "75", "0", "\\N", "5", "4", "3", "543", "Champions", "mid-low"},
			{"b", "30", "1", "200", "1", "200", "200", "0", "\\N", "2", "1", "4", "214", "Hibernating", "mid-high"},
			{"c", "30", "1", "200", "1", "200", "200", "0", "\\N", "2", "1", "4", "214", "Hibernating", "mid-high"},
			{"d", "441", "0", "0", "1", "0", "0", "0", "\\N", "1", "1", "1", "111", "Lost", "low"},
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
		runModel(t, conn, m, "2024-03-31", time.UTC)
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm"); n != 6 {
			t.Errorf("after re-run rfm has %d rows, want 6", n)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics WHERE model = 'rfm' AND metric = 'buyers' AND value = 6"); n != 1 {
			t.Errorf("buyers metric rows = %d, want 1", n)
		}
		// An earlier as_of ignores later orders: on 2024-03-15 a has one order
		// (2024-01-10, recency 65); orders after 2024-03-15 do not count.
		runModel(t, conn, m, "2024-03-15", time.UTC)
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
	forEachEngine(t, fixture{
		members: []fxMember{{"s", "2024-01-01 00:00:00"}, {"late", "2024-03-31 16:00:00"}},
		orders: []fxOrder{
			{"s", "2024-03-30 16:00:00", 10, ""}, // 2024-03-31 00:00 in Shanghai
			{"s", "2024-03-31 15:59:59", 20, ""}, // 23:59:59 on 2024-03-31 in Shanghai: counts
			{"s", "2024-03-31 16:00:00", 40, ""}, // 2024-04-01 00:00 in Shanghai: ignored
			{"late", "2024-03-31 16:00:01", 5, ""},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		runModel(t, conn, NewRFM(defaults().RFM), "2024-03-31", sh)
		got := chtest.Rows(t, conn, `SELECT member_id, toString(recency_days), toString(orders_total), toString(toFloat64(monetary)) FROM rfm`)
		want := [][]string{{"s", "0", "2", "30"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestRFMap(t *testing.T) {
	t.Parallel()
	m := RFMap(defaults().RFM.Segments)
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
