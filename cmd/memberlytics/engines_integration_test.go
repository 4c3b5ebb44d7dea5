package main

import (
	"context"
	"sync"
	"testing"

	"github.com/memberlytics/memberlytics/internal/chtest"
	"github.com/memberlytics/memberlytics/internal/compat"
	"github.com/memberlytics/memberlytics/internal/config"
	"github.com/memberlytics/memberlytics/internal/datagen"
	"github.com/memberlytics/memberlytics/internal/migrate"
	"github.com/memberlytics/memberlytics/internal/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// TestModelsBothEnginesIntegration runs every model `memberlytics run all`
// knows (newModelRegistry with the default configuration) for one as_of on
// ClickHouse 18.16 and on chDB 26.7, on the same generated data, and
// compares every table and view of the two databases: exact for counts,
// keys, strings, dates and decimals, compat.DefaultTolerance for floats.
// It runs once per business time zone, since the as_of window's end
// depends on it.
func TestModelsBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := compat.Generate(context.Background(), dir, 400, 11); err != nil {
		t.Fatal(err)
	}
	asOf := datagen.DefaultEnd.AddDate(0, 0, -1) // the window's last day
	for _, zone := range []string{"UTC", "Asia/Shanghai"} {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			cfg.BusinessTimezone = zone
			reg, err := newModelRegistry(cfg)
			if err != nil {
				t.Fatal(err)
			}
			names := reg.Names()
			if len(names) == 0 {
				t.Log("no models registered yet: comparing the loaded data only")
			}
			var mu sync.Mutex // Compare runs the engines in parallel
			ran := map[string][]models.RunResult{}
			engines := chtest.Engines(t)
			res := compat.Compare(t, engines, compat.Case{
				DataDir: dir,
				Run: func(ctx context.Context, conn warehouse.Conn) error {
					// The same run id on both engines, so run_id columns compare.
					env := models.Env{Conn: conn, Location: cfg.Location(), RunID: "compat-" + zone}
					rr, err := models.RunAll(ctx, reg, env, nil, asOf)
					mu.Lock()
					ran[conn.Database()] = rr
					mu.Unlock()
					return err
				},
				Options: compat.Options{
					SkipColumns: func(table, column string) bool {
						return table == migrate.VersionTable && column == "applied_at"
					},
					Where: func(table string) string {
						if table == "model_metrics" {
							return "metric != 'run_seconds'" // wall-clock time of the run
						}
						return ""
					},
				},
			})
			if res == nil {
				return // Compare reported the failure
			}
			// Every model ran on both engines, and the rows each says it
			// wrote are in the snapshot, so the comparison covered them.
			for _, e := range engines {
				rr := ran[e.Conn.Database()]
				if len(rr) != len(names) {
					t.Errorf("%s: %d models ran, want %d (%v)", e.Name, len(rr), len(names), names)
				}
				for _, r := range rr {
					for table, n := range r.Result.Rows {
						snap := res[e.Name][table]
						if snap == nil {
							t.Errorf("%s: model %s wrote %s, which is not in the database", e.Name, r.Model, table)
							continue
						}
						if uint64(len(snap.Rows)) < n {
							t.Errorf("%s: model %s wrote %d rows to %s, snapshot has %d", e.Name, r.Model, n, table, len(snap.Rows))
						}
					}
				}
			}
			for _, tbl := range []string{"members_current", "orders_current", "events_current"} {
				if len(res[engines[1].Name][tbl].Rows) == 0 {
					t.Errorf("%s: %s is empty", engines[1].Name, tbl)
				}
			}
		})
	}
}
