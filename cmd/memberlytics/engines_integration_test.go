package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models"
)

// knownDifferences are registered models whose SQL does not yet give the
// same result on ClickHouse 18.16 and 26.7, each with the reason. The
// test still runs them, logs what differs, and logs when one agrees again
// so its entry can go. Differences in a model that depends on a listed
// model are counted as the listed model's; no other model's output is
// excused. Empty since clv and churn were made deterministic (issue 10:
// ordered fit inputs, Decimal sums, round-half-up by floor, p_alive
// rounded to 1e-9 against pow()'s last bits); keep it for the next
// version difference rather than loosening the tolerance.
var knownDifferences = map[string]string{}

// TestModelsBothEnginesIntegration runs every model `memberlytics run all`
// knows (newModelRegistry with the default configuration) for one as_of on
// ClickHouse 18.16 and on chDB 26.7, on the same generated data, and
// compares every table and view of the two databases: exact for counts,
// keys, strings, dates and decimals, compat.DefaultTolerance for floats.
// It runs once per business time zone, since the as_of window's end
// depends on it. Models in knownDifferences are run and reported but do
// not fail the test.
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
			ordered, err := reg.Ordered()
			if err != nil {
				t.Fatal(err)
			}
			if len(ordered) == 0 {
				t.Log("no models registered yet: comparing the loaded data only")
			}
			engines := chtest.Engines(t)
			var mu sync.Mutex // Compare runs the engines in parallel
			runs := map[string]*engineRun{}
			outputs := map[string]*engineOutputs{}
			exportDir := t.TempDir()
			rec := &diffRecorder{TB: t}
			res := compat.Compare(rec, engines, compat.Case{
				DataDir: dir,
				Run: func(ctx context.Context, conn warehouse.Conn) error {
					// The same run id on both engines, so run_id columns compare.
					if err := genload.Items(ctx, conn, dir, nil); err != nil { // order lines for the category models
						return err
					}
					env := models.Env{Conn: conn, Location: cfg.Location(), RunID: "compat-" + zone, Snapshot: reg}
					r := runEach(ctx, ordered, env, asOf)
					mu.Lock()
					runs[conn.Database()] = r
					mu.Unlock()
					if r.err != nil {
						return r.err
					}
					o, err := readOutputs(ctx, conn, asOf, filepath.Join(exportDir, conn.Database()))
					if err != nil {
						return err
					}
					mu.Lock()
					outputs[conn.Database()] = o
					mu.Unlock()
					return nil
				},
				Options: compat.Options{
					SkipColumns: func(table, column string) bool {
						return table == migrate.VersionTable && column == "applied_at" ||
							// When each model ran and its snapshot was published.
							table == "model_runs" && (column == "started_at" || column == "finished_at") ||
							table == "snapshots" && column == "published_at"
					},
					Where: func(table string) string {
						var conds []string
						if strings.HasPrefix(table, "model_metrics") {
							// Wall-clock timings (run_seconds, fit_seconds, ...).
							conds = append(conds, "metric NOT LIKE '%\\_seconds'")
						}
						if strings.HasPrefix(table, "model_metrics") || strings.HasPrefix(table, "model_params") {
							// A known model that fails on one engine records nothing there.
							conds = append(conds, "model NOT IN ("+knownList()+")")
						}
						return strings.Join(conds, " AND ")
					},
				},
			})
			owner := tableOwners(runs, ordered)
			inherited := inheritedDifferences(ordered)
			differs := map[string][]string{} // known model -> its differences
			for _, d := range rec.errs {
				m := ownerOf(d, owner)
				if knownDifferences[m] != "" {
					differs[m] = append(differs[m], d)
					continue
				}
				if dep := inherited[m]; dep != "" {
					// The model copies or uses a known-different model's output.
					differs[dep] = append(differs[dep], d)
					continue
				}
				t.Error(d)
			}
			for _, e := range engines {
				r := runs[e.Conn.Database()]
				if r == nil {
					continue
				}
				for m, err := range r.failed {
					differs[m] = append(differs[m], fmt.Sprintf("%s: %v", e.Name, err))
				}
			}
			for _, m := range ordered {
				name := m.Name()
				if knownDifferences[name] == "" {
					continue
				}
				if len(differs[name]) == 0 {
					if res != nil {
						t.Logf("model %s now agrees on both engines: remove it from knownDifferences", name)
					}
					continue
				}
				t.Logf("known difference in model %s (%s); %d differences, first: %s",
					name, knownDifferences[name], len(differs[name]), firstLine(differs[name][0]))
			}
			if res == nil {
				return
			}
			// The report and the exports read the model tables with SQL of
			// their own: the same on both engines.
			oa, ob := outputs[engines[0].Conn.Database()], outputs[engines[1].Conn.Database()]
			for _, d := range diffOutputs(oa, ob, compat.DefaultTolerance) {
				t.Errorf("%s vs %s: %s", engines[0].Name, engines[1].Name, d)
			}
			if len(oa.report.Missing()) > 0 {
				t.Errorf("%s: the report misses model outputs: %v", engines[0].Name, oa.report.Missing())
			}
			if len(oa.files) < 3 {
				t.Errorf("%s: exported %d CSV files, want member_profile, segment_members and segment_changes", engines[0].Name, len(oa.files))
			}
			// Every model ran on both engines (or is a known difference), and
			// the rows each says it wrote are in the snapshot, so the
			// comparison covered them.
			for _, e := range engines {
				r := runs[e.Conn.Database()]
				for _, m := range ordered {
					rr, ok := r.results[m.Name()]
					if !ok {
						if knownDifferences[m.Name()] == "" {
							t.Errorf("%s: model %s did not run", e.Name, m.Name())
						}
						continue
					}
					for table, n := range rr.Result.Rows {
						snap := res[e.Name][table]
						if snap == nil {
							t.Errorf("%s: model %s wrote %s, which is not in the database", e.Name, m.Name(), table)
							continue
						}
						if uint64(len(snap.Rows)) < n {
							t.Errorf("%s: model %s wrote %d rows to %s, snapshot has %d", e.Name, m.Name(), n, table, len(snap.Rows))
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

// engineRun is what running the models did on one engine.
type engineRun struct {
	results map[string]models.RunResult
	failed  map[string]error // known-different models that failed
	err     error            // the first failure of any other model
}

// runEach runs the models one at a time in dependency order, as RunAll
// does, but carries on past a model in knownDifferences that fails, so
// the models after it are still compared.
func runEach(ctx context.Context, ordered []models.Model, env models.Env, asOf time.Time) *engineRun {
	r := &engineRun{results: map[string]models.RunResult{}, failed: map[string]error{}}
	for _, m := range ordered {
		rr, err := models.RunOne(ctx, m, env, asOf)
		if err != nil {
			if knownDifferences[m.Name()] != "" {
				r.failed[m.Name()] = err
				continue
			}
			r.err = errors.Join(r.err, err)
			return r
		}
		r.results[m.Name()] = rr
	}
	return r
}

// inheritedDifferences maps each model that depends, directly or not,
// on a model in knownDifferences to that model: its output carries the
// known difference along (member_profile copies clv and churn_probability).
func inheritedDifferences(ordered []models.Model) map[string]string {
	out := map[string]string{}
	for _, m := range ordered { // dependencies come first
		for _, d := range m.Deps() {
			if knownDifferences[d] != "" {
				out[m.Name()] = d
			} else if k := out[d]; k != "" {
				out[m.Name()] = k
			}
		}
	}
	return out
}

// tableOwners maps each table a model wrote (and its _latest view) to the
// model.
func tableOwners(runs map[string]*engineRun, ordered []models.Model) map[string]string {
	owner := map[string]string{}
	for _, r := range runs {
		for name, rr := range r.results {
			for table := range rr.Result.Rows {
				owner[table] = name
				owner[table+"_latest"] = name
			}
		}
	}
	// A known model that failed everywhere wrote nothing we saw; its
	// tables are usually named after it.
	for _, m := range ordered {
		if _, ok := owner[m.Name()]; !ok {
			owner[m.Name()] = m.Name()
			owner[m.Name()+"_latest"] = m.Name()
		}
	}
	return owner
}

// ownerOf returns the model a Compare difference belongs to: the owner of
// its table, or the model named in a model_metrics / model_params row.
func ownerOf(diff string, owner map[string]string) string {
	for _, prefix := range []string{"rows: ", "schema: table "} {
		rest, ok := strings.CutPrefix(diff, prefix)
		if !ok {
			continue
		}
		table, _, _ := strings.Cut(rest, " ")
		table = strings.TrimSuffix(table, ":")
		if strings.HasPrefix(table, "model_metrics") || strings.HasPrefix(table, "model_params") {
			if _, after, ok := strings.Cut(rest, " model="); ok {
				m, _, _ := strings.Cut(after, " ")
				return m
			}
		}
		if strings.HasPrefix(table, "member_profile") {
			// member_profile copies the predictive models' columns: their
			// differences belong to those models.
			for col, m := range map[string]string{"clv": "clv", "churn_probability": "churn", "churn_risk_band": "churn"} {
				if strings.Contains(rest, " column "+col+":") {
					return m
				}
			}
		}
		if m, ok := owner[table]; ok {
			return m
		}
		// Work tables a failed model left behind are named after it.
		for _, m := range owner {
			if strings.HasPrefix(table, m+"_") {
				return m
			}
		}
		return ""
	}
	return ""
}

// knownList is knownDifferences' model names as SQL string literals.
func knownList() string {
	var names []string
	for m := range knownDifferences {
		names = append(names, "'"+m+"'")
	}
	if len(names) == 0 {
		return "''"
	}
	return strings.Join(names, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// diffRecorder is a testing.TB that keeps the differences Compare reports,
// so the test can tell known ones from new ones.
type diffRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *diffRecorder) Errorf(format string, args ...any) { r.add(fmt.Sprintf(format, args...)) }
func (r *diffRecorder) Error(args ...any)                 { r.add(fmt.Sprint(args...)) }

func (r *diffRecorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, s)
}

// TestOwnerOf checks how the models test attributes a difference to a
// model, which decides whether a known difference excuses it.
func TestOwnerOf(t *testing.T) {
	owner := map[string]string{"rfm": "rfm", "rfm_latest": "rfm", "clv": "clv"}
	tests := []struct{ diff, want string }{
		{"rows: rfm: 294 rows on clickhouse-18.16, 0 on chdb-26.7", "rfm"},
		{"rows: rfm_latest row 3 (as_of=2025-12-31 member_id=M1) column r: 1 on a, 2 on b", "rfm"},
		{"rows: model_params row 1 (as_of=2025-12-31 model=churn name=coef) column value: 1 on a, 2 on b", "churn"},
		{"rows: model_metrics_latest row 9 (as_of=2025-12-31 model=clv metric=n) column value: 1 on a, 2 on b", "clv"},
		{"schema: table clv_work_1a2b: on chdb-26.7 only", "clv"},
		{"rows: members: 3 rows on a, 4 on b", ""},
		{"chdb-26.7: run: run model rfm for 2025-12-31: boom", ""},
	}
	for _, tt := range tests {
		if got := ownerOf(tt.diff, owner); got != tt.want {
			t.Errorf("ownerOf(%q) = %q, want %q", tt.diff, got, tt.want)
		}
	}
}

type fakeModel struct {
	name string
	deps []string
}

func (m fakeModel) Name() string   { return m.name }
func (m fakeModel) Deps() []string { return m.deps }
func (m fakeModel) Run(context.Context, models.Env, time.Time) (models.Result, error) {
	return models.Result{}, nil
}

// TestInheritedDifferences: a model reading a known-different model, even
// through another model, carries its difference; others do not.
func TestInheritedDifferences(t *testing.T) {
	if knownDifferences["clv"] == "" {
		t.Skip("clv is no longer a known difference")
	}
	got := inheritedDifferences([]models.Model{
		fakeModel{name: "clv"}, fakeModel{name: "a", deps: []string{"clv"}},
		fakeModel{name: "b", deps: []string{"a"}}, fakeModel{name: "c"}, fakeModel{name: "d", deps: []string{"c"}},
	})
	want := map[string]string{"a": "clv", "b": "clv"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("inheritedDifferences = %v, want %v", got, want)
	}
}
