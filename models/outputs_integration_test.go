package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// fakeOutputs is a model writing rfm, or with outputs set those tables,
// with n rows per table.
type fakeOutputs struct {
	name    string
	outputs []string
}

func (f fakeOutputs) Name() string   { return f.name }
func (f fakeOutputs) Deps() []string { return nil }
func (f fakeOutputs) Tables() []Table {
	var out []Table
	for _, n := range f.outputs {
		out = append(out, Table{Name: n})
	}
	return out
}
func (f fakeOutputs) Run(context.Context, Env, time.Time) (Result, error) {
	return Result{}, nil
}

// publish writes n rows of rfm (or tiers) for asOf by run, and the run's
// metrics and params.
func publishRows(t *testing.T, conn warehouse.Conn, table, model string, asOf time.Time, run string, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := query.ReplacePartition(ctx, conn, table, asOf, func(stage string) error {
		return conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (as_of, member_id, run_id)
			SELECT toDate('%s'), concat('M', toString(number)), '%s' FROM system.numbers LIMIT %d`, stage, asOf.Format(asof.Layout), run, n))
	}); err != nil {
		t.Fatal(err)
	}
	must(t, RecordMetrics(ctx, conn, model, asOf, run, map[string]float64{"run_seconds": 1}))
	must(t, RecordParams(ctx, conn, model, asOf, run, map[string]float64{"p": 1}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Dates lists each as_of with each model's rows and run; Drop removes one
// as_of of the named models (or all) from their tables, model_metrics and
// model_params, leaving other dates alone; on a cluster from every shard.
func TestDatesAndDropIntegration(t *testing.T) {
	t.Parallel()
	single := chtest.Migrated(t)
	db, cluster := chtest.MigratedCluster(t)
	for _, c := range []struct {
		name string
		conn warehouse.Conn
	}{{"server", single}, {"cluster", cluster}} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			conn := c.conn
			reg := NewRegistry()
			must(t, reg.Add(fakeOutputs{name: "rfm", outputs: []string{"rfm"}}))
			must(t, reg.Add(fakeOutputs{name: "tiers", outputs: []string{"tiers", "tier_migration"}}))
			d1, d2 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
			publishRows(t, conn, "rfm", "rfm", d1, "run-a", 100)
			publishRows(t, conn, "rfm", "rfm", d2, "run-b", 120)
			publishRows(t, conn, "tiers", "tiers", d2, "run-c", 50)
			must(t, RecordMetrics(ctx, conn, "retired_model", d2, "run-z", map[string]float64{"x": 1}))

			dates, err := Dates(ctx, conn, reg)
			must(t, err)
			if len(dates) != 2 || dates[0].AsOf != "2025-03-01" || dates[1].AsOf != "2025-03-02" {
				t.Fatalf("Dates = %+v, want 2025-03-01 and 2025-03-02", dates)
			}
			if m := dates[0].Models; !m[0].Exists || m[0].Rows != 100 || !slices.Equal(m[0].RunIDs, []string{"run-a"}) || m[1].Exists || m[1].Recorded {
				t.Errorf("2025-03-01 = %+v, want rfm by run-a (100 rows) and no tiers", m)
			}
			if m := dates[1].Models; m[1].Model != "tiers" || !m[1].Exists || m[1].Rows != 50 || !slices.Equal(m[1].RunIDs, []string{"run-c"}) || !m[1].Recorded {
				t.Errorf("2025-03-02 = %+v, want tiers by run-c (50 rows)", m)
			}

			dropped, err := Drop(ctx, conn, reg, d2, []string{"tiers"})
			must(t, err)
			want := map[string]uint64{"tiers": 50, "tier_migration": 0, "model_metrics": 1, "model_params": 1}
			for _, d := range dropped {
				if n, ok := want[d.Table]; !ok || n != d.Rows || d.Model != "tiers" {
					t.Errorf("Drop tiers: removed %+v, want %v", d, want)
				}
			}
			if len(dropped) != len(want) {
				t.Errorf("Drop tiers removed %+v, want %v", dropped, want)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE as_of = '2025-03-02'"); n != 120 {
				t.Errorf("dropping tiers left %d rfm rows of 2025-03-02, want 120", n)
			}

			dropped, err = Drop(ctx, conn, reg, d2, nil)
			must(t, err)
			var retired bool
			for _, d := range dropped {
				retired = retired || d.Model == "retired_model"
			}
			if !retired {
				t.Errorf("Drop of every model kept the metrics of a model no longer registered: %+v", dropped)
			}
			for _, table := range []string{"rfm", "tiers", "model_metrics", "model_params"} {
				if n := chtest.QueryUint(t, conn, "SELECT count() FROM "+table+" WHERE as_of = '2025-03-02'"); n != 0 {
					t.Errorf("%s keeps %d rows of the dropped date", table, n)
				}
			}
			if c.name == "cluster" {
				for i, sh := range db.Shards {
					if n := chtest.QueryUint(t, sh, "SELECT count() FROM rfm_local WHERE as_of = '2025-03-02'"); n != 0 {
						t.Errorf("shard %d keeps %d rfm rows of the dropped date", i+1, n)
					}
				}
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE as_of = '2025-03-01'"); n != 100 {
				t.Errorf("drop touched another date: rfm holds %d rows of 2025-03-01, want 100", n)
			}
			dates, err = Dates(ctx, conn, reg)
			must(t, err)
			if len(dates) != 1 || dates[0].AsOf != "2025-03-01" {
				t.Errorf("Dates after drop = %+v, want 2025-03-01 only", dates)
			}
			if _, err := Drop(ctx, conn, reg, d2, []string{"nope"}); err == nil {
				t.Error("Drop of an unknown model: no error")
			}
		})
	}
}

// depOn is fakeOutputs with dependencies.
type depOn struct {
	fakeOutputs
	deps []string
}

func (d depOn) Deps() []string { return d.deps }

// Drop withdraws the date's snapshot before removing outputs, and removes
// the dropped models' model_runs rows, so a model depending on a dropped
// one refuses to run for the date instead of reading nothing.
func TestDropWithdrawsSnapshotIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	reg := NewRegistry()
	rfm := fakeOutputs{name: "rfm", outputs: []string{"rfm"}}
	tiers := depOn{fakeOutputs{name: "tiers", outputs: []string{"tiers"}}, []string{"rfm"}}
	must(t, reg.Add(rfm))
	must(t, reg.Add(tiers))
	d := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	if _, err := RunAll(ctx, reg, Env{Conn: conn, RunID: "run-1", Snapshot: reg}, nil, d); err != nil {
		t.Fatal(err)
	}
	dates, err := Dates(ctx, conn, reg)
	must(t, err)
	if len(dates) != 1 || !dates[0].Published {
		t.Fatalf("Dates after a complete run = %+v, want 2025-03-02 published", dates)
	}
	if _, err := Drop(ctx, conn, reg, d, []string{"rfm"}); err != nil {
		t.Fatal(err)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM snapshots WHERE as_of = '2025-03-02'"); n != 0 {
		t.Errorf("snapshot of the dropped date still has %d rows", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM model_runs WHERE as_of = '2025-03-02' AND model = 'rfm'"); n != 0 {
		t.Errorf("model_runs keeps %d rows of the dropped model", n)
	}
	dates, err = Dates(ctx, conn, reg)
	must(t, err)
	for _, do := range dates {
		if do.Published {
			t.Errorf("Dates after drop: %s still published", do.AsOf)
		}
	}
	_, err = RunOne(ctx, tiers, Env{Conn: conn, RunID: "run-2", Snapshot: reg}, d)
	if !errors.Is(err, ErrMissingDependency) {
		t.Errorf("tiers after its dependency was dropped: err = %v, want ErrMissingDependency", err)
	}
}
