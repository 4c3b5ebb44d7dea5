package models

import (
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/chtest"
	"github.com/memberlytics/memberlytics/internal/warehouse"
)

var lifecycleFixture = fixture{
	members: []fxMember{
		{"m1", "2023-01-01 00:00:00"}, {"m2", "2023-01-01 00:00:00"}, {"m3", "2023-01-01 00:00:00"},
		{"m4", "2023-01-01 00:00:00"}, {"m5", "2023-01-01 00:00:00"}, {"m6", "2023-01-01 00:00:00"},
		{"m7", "2023-01-01 00:00:00"}, {"m8", "2024-04-02 00:00:00"}, {"m9", "2023-01-01 00:00:00"},
		{"m10", "2023-01-01 00:00:00"},
	},
	orders: []fxOrder{
		{"m1", "2024-01-01 10:00:00", 10, ""}, {"m1", "2024-01-11 10:00:00", 10, ""}, {"m1", "2024-01-21 10:00:00", 10, ""}, {"m1", "2024-01-31 10:00:00", 10, ""},
		{"m2", "2023-10-01 10:00:00", 10, ""}, {"m2", "2023-12-01 10:00:00", 10, ""},
		{"m3", "2024-03-31 23:59:59", 10, ""},
		{"m4", "2024-03-01 10:00:00", 10, ""}, {"m4", "2024-03-21 10:00:00", 10, ""},
		{"m5", "2023-06-01 10:00:00", 10, ""}, {"m5", "2023-06-03 10:00:00", 10, ""},
		{"m6", "2024-03-01 10:00:00", 10, "refunded"},
		{"m8", "2024-04-03 10:00:00", 10, ""},
		{"m9", "2023-09-01 10:00:00", 10, ""}, {"m9", "2023-09-21 10:00:00", 10, ""}, {"m9", "2023-10-11 10:00:00", 10, ""},
		{"m9", "2023-10-31 10:00:00", 10, ""}, {"m9", "2024-03-25 10:00:00", 10, ""},
		{"m10", "2023-11-01 10:00:00", 10, ""}, {"m10", "2024-03-25 10:00:00", 10, ""},
	},
}

func TestLifecycleIntegration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, lifecycleFixture, func(t *testing.T, conn warehouse.Conn) {
		m := NewLifecycle(defaults().Lifecycle) // learned thresholds, new 90 days, loyal 4 orders
		// 2024-03-10: gaps 2,10,10,10,20,20,20,61 -> p75 = gap[6] = 20, p95 = gap[7] = 61.
		r := runModel(t, conn, m, "2024-03-10", time.UTC)
		if r.Result.Params["dormant_days"] != 20 || r.Result.Params["churned_days"] != 61 {
			t.Errorf("2024-03-10 thresholds %v, want 20 and 61", r.Result.Params)
		}
		// 2024-03-31: gaps 2,10,10,10,20,20,20,20,61,145,146 -> gap[8] = 61, gap[10] = 146.
		r = runModel(t, conn, m, "2024-03-31", time.UTC)
		if r.Result.Params["dormant_days"] != 61 || r.Result.Params["churned_days"] != 146 {
			t.Errorf("2024-03-31 thresholds %v, want 61 and 146", r.Result.Params)
		}
		want := [][]string{
			{"m1", "loyal", "dormant", "4", "90", "60"},
			{"m10", "active", "churned", "2", "151", "6"},
			{"m2", "dormant", "churned", "2", "182", "121"},
			{"m3", "new", "prospect", "1", "0", "0"}, // ordered in the last second of as_of
			{"m4", "new", "new", "2", "30", "10"},
			{"m5", "churned", "churned", "2", "304", "302"},
			{"m6", "prospect", "prospect", "0", "-1", "-1"}, // only a refund
			{"m7", "prospect", "prospect", "0", "-1", "-1"},
			{"m9", "loyal", "churned", "5", "212", "6"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, stage, previous_stage, toString(paid_orders), toString(days_since_first),
		toString(days_since_last) FROM lifecycle WHERE as_of = '2024-03-31' ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lifecycle:\n got %v\nwant %v", got, want)
		}
		flow := [][]string{
			{"churned", "active", "1"}, {"churned", "churned", "1"}, {"churned", "dormant", "1"}, {"churned", "loyal", "1"},
			{"dormant", "loyal", "1"}, {"new", "new", "1"}, {"prospect", "new", "1"}, {"prospect", "prospect", "2"},
		}
		q := `SELECT from_stage, to_stage, toString(members) FROM lifecycle_flow WHERE as_of = '2024-03-31' ORDER BY from_stage, to_stage`
		if got := chtest.Rows(t, conn, q); !reflect.DeepEqual(got, flow) {
			t.Errorf("flow:\n got %v\nwant %v", got, flow)
		}
		if got := chtest.Rows(t, conn, "SELECT DISTINCT toString(previous_as_of) FROM lifecycle_flow WHERE as_of = '2024-03-31'"); !reflect.DeepEqual(got, [][]string{{"2024-03-10"}}) {
			t.Errorf("previous_as_of = %v", got)
		}
		// The first run has nothing before it: every member comes from none.
		if n := chtest.QueryUint(t, conn, "SELECT sum(members) FROM lifecycle_flow WHERE as_of = '2024-03-10' AND from_stage = 'none' AND previous_as_of = as_of"); n != 9 {
			t.Errorf("first run: %d members from none, want 9", n)
		}
		// Re-run: same rows.
		runModel(t, conn, m, "2024-03-31", time.UTC)
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM lifecycle"); n != 18 {
			t.Errorf("after re-run lifecycle has %d rows, want 18", n)
		}
		if got := chtest.Rows(t, conn, q); !reflect.DeepEqual(got, flow) {
			t.Errorf("flow after re-run:\n got %v\nwant %v", got, flow)
		}
	})
}

func TestLifecycleConfiguredThresholdsIntegration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, lifecycleFixture, func(t *testing.T, conn warehouse.Conn) {
		cfg := defaults().Lifecycle
		cfg.DormantDays, cfg.ChurnedDays = 30, 100
		runModel(t, conn, NewLifecycle(cfg), "2024-03-31", time.UTC)
		got := chtest.Rows(t, conn, `SELECT member_id, stage, toString(dormant_days), toString(churned_days) FROM lifecycle
		WHERE member_id IN ('m1', 'm2', 'm10') ORDER BY member_id`)
		want := [][]string{{"m1", "dormant", "30", "100"}, {"m10", "active", "30", "100"}, {"m2", "churned", "30", "100"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}
