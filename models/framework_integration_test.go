package models

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestReplacePartitionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	if err := conn.Exec(ctx, `CREATE TABLE out (as_of Date, k String, run_id String)
		ENGINE = MergeTree() PARTITION BY as_of ORDER BY k`); err != nil {
		t.Fatal(err)
	}
	d1, _ := asof.Parse("2024-03-31")
	d2, _ := asof.Parse("2024-04-01")
	fillN := func(day time.Time, n int, run string) func(string) error {
		return func(stage string) error {
			b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+" (as_of, k, run_id)")
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				if err := b.Append(day, string(rune('a'+i)), run); err != nil {
					return err
				}
			}
			return b.Send()
		}
	}
	if n, err := query.ReplacePartition(ctx, conn, "out", d1, fillN(d1, 3, "r1")); err != nil || n != 3 {
		t.Fatalf("first run: n=%d err=%v", n, err)
	}
	if _, err := query.ReplacePartition(ctx, conn, "out", d2, fillN(d2, 2, "r1")); err != nil {
		t.Fatal(err)
	}
	// Re-run of d1 replaces its rows, d2 untouched.
	if n, err := query.ReplacePartition(ctx, conn, "out", d1, fillN(d1, 3, "r2")); err != nil || n != 3 {
		t.Fatalf("re-run: n=%d err=%v", n, err)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM out WHERE as_of = '2024-03-31'"); got != 3 {
		t.Errorf("after re-run d1 has %d rows, want 3", got)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM out WHERE as_of = '2024-03-31' AND run_id = 'r2'"); got != 3 {
		t.Errorf("after re-run d1 has %d rows of r2, want 3", got)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM out WHERE as_of = '2024-04-01'"); got != 2 {
		t.Errorf("d2 has %d rows, want 2", got)
	}
	// A failing fill leaves the previous partition in place.
	boom := errors.New("boom")
	_, err := query.ReplacePartition(ctx, conn, "out", d1, func(stage string) error {
		if err := fillN(d1, 1, "r3")(stage); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM out WHERE run_id = 'r2'"); got != 3 {
		t.Errorf("failed run changed d1: %d rows of r2, want 3", got)
	}
	// Rows outside the partition are refused.
	if _, err := query.ReplacePartition(ctx, conn, "out", d1, fillN(d2, 1, "r4")); err == nil {
		t.Error("stage rows of another as_of accepted")
	}
	// An empty fill empties the partition.
	if n, err := query.ReplacePartition(ctx, conn, "out", d2, func(string) error { return nil }); err != nil || n != 0 {
		t.Fatalf("empty fill: n=%d err=%v", n, err)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM out"); got != 3 {
		t.Errorf("after empty fill of d2: %d rows, want 3", got)
	}
	// No stage table is left behind.
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database IN (?, ?) AND name LIKE 'out_stage_%'", conn.Database(), warehouse.WorkDatabase(conn.Database())); got != 0 {
		t.Errorf("%d stage tables left", got)
	}
}

type countModel struct{ fail bool }

func (countModel) Name() string   { return "example_order_count" }
func (countModel) Deps() []string { return nil }
func (m countModel) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	if m.fail {
		return Result{}, errors.New("model failed")
	}
	return Result{Rows: map[string]uint64{"x": 7}, Metrics: map[string]float64{"members": 2}, Params: map[string]float64{"p": 0.5}}, nil
}

func TestRunAllRecordsMetricsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	reg := NewRegistry()
	if err := reg.Add(countModel{}); err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse("2024-03-31")
	for i, run := range []string{"r1", "r2"} {
		env := Env{Conn: conn, RunID: run}
		res, err := RunAll(ctx, reg, env, nil, day)
		if err != nil || len(res) != 1 {
			t.Fatalf("run %d: %v %v", i, res, err)
		}
	}
	// Another model's metrics for the same as_of are not touched.
	if err := RecordMetrics(ctx, conn, "other", day, "r0", map[string]float64{"m": 1}); err != nil {
		t.Fatal(err)
	}
	if err := RecordMetrics(ctx, conn, "other", day, "r0", map[string]float64{"m": 1}); err != nil {
		t.Fatal(err)
	}
	// rows_x, members, run_seconds: once each, from the last run.
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics WHERE model = 'example_order_count' AND run_id = 'r2'"); got != 3 {
		t.Errorf("metrics of r2: %d, want 3", got)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics"); got != 4 {
		t.Errorf("model_metrics has %d rows, want 4", got)
	}
	if got := chtest.QueryUint(t, conn, "SELECT toUInt64(value) FROM model_metrics_latest WHERE metric = 'rows_x'"); got != 7 {
		t.Errorf("rows_x = %d, want 7", got)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM model_params WHERE name = 'p' AND value = 0.5"); got != 1 {
		t.Errorf("params: %d rows, want 1", got)
	}
	// A failing model is reported with its name and records nothing.
	reg2 := NewRegistry()
	_ = reg2.Add(countModel{fail: true})
	d2, _ := asof.Parse("2024-04-01")
	if _, err := RunAll(ctx, reg2, Env{Conn: conn, RunID: "r3"}, nil, d2); err == nil {
		t.Fatal("failing model: no error")
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics WHERE run_id = 'r3'"); got != 0 {
		t.Errorf("failed run recorded %d metrics", got)
	}
}
