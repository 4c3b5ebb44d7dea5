package clv

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
)

// clvFixture is 120 members joined 2023-01-01, member i buying on
// 1 + i%6 days spread over 2023-2024 with amounts 20 + (i*7+k*13)%50, and
// member "late", who bought in 2024 but joined only on 2025-02-01.
func clvFixture() modeltest.Fixture {
	var f modeltest.Fixture
	for i := 0; i < 120; i++ {
		id := fmt.Sprintf("m%03d", i)
		f.Members = append(f.Members, modeltest.Member{ID: id, Joined: "2023-01-01 00:00:00"})
		for k := 0; k <= i%6; k++ {
			d := time.Date(2023, 1, 2, 10, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37+k*97)%700)
			f.Orders = append(f.Orders, modeltest.Order{Member: id, At: d.Format("2006-01-02 15:04:05"), Amount: float64(20 + (i*7+k*13)%50)})
		}
	}
	f.Members = append(f.Members, modeltest.Member{ID: "late", Joined: "2025-02-01 00:00:00"})
	f.Orders = append(f.Orders, modeltest.Order{Member: "late", At: "2024-03-01 10:00:00", Amount: 40}, modeltest.Order{Member: "late", At: "2024-05-01 10:00:00", Amount: 60})
	return f
}

// TestCLVPopulationJoinedIntegration: like rfm, clv scores only members
// who joined by as_of; "late" joined after 2024-12-31 and is left out.
func TestCLVPopulationJoinedIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, clvFixture(), func(t *testing.T, conn warehouse.Conn) {
		m := newTestCLV(t, func(c *Params) { c.MaxSpendCorrelation, c.L2Penalty = 1, 0.1 })
		res, err := models.RunOne(context.Background(), m, models.Env{Conn: conn, Location: time.UTC, RunID: "p"}, modeltest.AsOf(t, "2024-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Result.Rows["clv"]; n != 120 {
			t.Errorf("clv rows = %d, want the 120 members who joined by as_of", n)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE member_id = 'late'"); n != 0 {
			t.Errorf("member who joined after as_of has %d clv rows", n)
		}
	})
}

// TestRevenueDeciles: 12 members ranked by predicted revenue; position i
// goes to decile 1 + floor(10 i / 12): positions 0 and 1 -> 1, 2 -> 2,
// 3 -> 3, 4 -> 4, 5 -> 5, 6 and 7 -> 6, 8 -> 7, 9 -> 8, 10 -> 9, 11 -> 10.
func TestRevenueDeciles(t *testing.T) {
	t.Parallel()
	var pairs []revenuePair
	for i := 11; i >= 0; i-- { // reversed: the ranking sorts them
		pairs = append(pairs, revenuePair{predicted: float64(i), actual: float64(10 * i)})
	}
	got := revenueDeciles(pairs)
	want := []CLVDecile{{1, 2, 0.5, 5}, {2, 1, 2, 20}, {3, 1, 3, 30}, {4, 1, 4, 40}, {5, 1, 5, 50},
		{6, 2, 6.5, 65}, {7, 1, 8, 80}, {8, 1, 9, 90}, {9, 1, 10, 100}, {10, 1, 11, 110}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deciles:\n got %+v\nwant %+v", got, want)
	}
	if d := revenueDeciles([]revenuePair{{1, 2}}); len(d) != 1 || d[0] != (CLVDecile{1, 1, 1, 2}) {
		t.Errorf("one member: %+v", d)
	}
}
