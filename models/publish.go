package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/snapshot"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Run statuses recorded in model_runs.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunSkipped   = snapshot.Skipped
	RunFailed    = "failed"
)

// RunRecord is one model's latest run for an as_of (table model_runs).
type RunRecord struct {
	Model  string
	RunID  string
	Status string
	Reason string
	// Deps maps each dependency to the run id of its output this run read.
	Deps       map[string]string
	StartedAt  time.Time
	FinishedAt time.Time
}

// finished reports whether the run left a usable outcome: an output
// (succeeded) or a recorded absence (skipped).
func (r RunRecord) finished() bool { return r.Status == RunSucceeded || r.Status == RunSkipped }

// writeRun replaces model's record for asOf in model_runs.
func writeRun(ctx context.Context, conn warehouse.Conn, asOf time.Time, r RunRecord) error {
	part, where := modelPartition(asOf.Format(asof.Layout), r.Model)
	deps := make([]string, 0, len(r.Deps))
	for d := range r.Deps {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	ids := make([]string, len(deps))
	for i, d := range deps {
		ids[i] = r.Deps[d]
	}
	finished := r.FinishedAt
	if finished.IsZero() {
		finished = r.StartedAt
	}
	_, err := query.Replace(ctx, conn, "model_runs", part, where,
		func(stage string) error {
			b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+" (as_of, model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at)")
			if err != nil {
				return err
			}
			if err := b.Append(asOf, r.Model, r.RunID, r.Status, r.Reason, deps, ids, r.StartedAt.UTC(), finished.UTC()); err != nil {
				_ = b.Abort()
				return err
			}
			return b.Send()
		})
	if err != nil {
		return fmt.Errorf("record run of %s for %s: %w", r.Model, asOf.Format(asof.Layout), err)
	}
	return nil
}

// Runs returns the latest run record of every model for asOf, by model.
func Runs(ctx context.Context, conn warehouse.Conn, asOf time.Time) (map[string]RunRecord, error) {
	day := asOf.Format(asof.Layout)
	rows, err := conn.Query(ctx, "SELECT model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at FROM model_runs WHERE as_of = toDate(?)", day)
	if err != nil {
		return nil, fmt.Errorf("read model runs of %s: %w", day, err)
	}
	defer rows.Close()
	out := map[string]RunRecord{}
	for rows.Next() {
		var r RunRecord
		var deps, ids []string
		if err := rows.Scan(&r.Model, &r.RunID, &r.Status, &r.Reason, &deps, &ids, &r.StartedAt, &r.FinishedAt); err != nil {
			return nil, fmt.Errorf("read model runs of %s: %w", day, err)
		}
		r.Deps = map[string]string{}
		for i, d := range deps {
			if i < len(ids) {
				r.Deps[d] = ids[i]
			}
		}
		out[r.Model] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model runs of %s: %w", day, err)
	}
	return out, nil
}

// dependencyRuns returns the run id of each of m's dependencies' outputs
// for day, or an error wrapping ErrMissingDependency that names the first
// dependency without a finished run and what to run.
func dependencyRuns(m Model, runs map[string]RunRecord, day string) (map[string]string, error) {
	in := map[string]string{}
	for _, d := range m.Deps() {
		r, ok := runs[d]
		switch {
		case !ok:
			return nil, fmt.Errorf("model %s for %s: %w: %s has not run for %s; run `memberlytics run %s --as-of %s` (or `memberlytics run all --as-of %s`) first",
				m.Name(), day, ErrMissingDependency, d, day, d, day, day)
		case !r.finished():
			return nil, fmt.Errorf("model %s for %s: %w: the last run of %s for %s (run %s) is %s; run `memberlytics run %s --as-of %s` first",
				m.Name(), day, ErrMissingDependency, d, day, r.RunID, r.Status, d, day)
		}
		in[d] = r.RunID
	}
	return in, nil
}

// DepArgs binds @dep_<name> to the run id of each of names in env.Inputs:
// the dependency rows a model reads are exactly those of the run RunOne
// checked, not whatever a concurrent re-run has written since.
func DepArgs(env Env, names ...string) ([]any, error) {
	out := make([]any, 0, len(names))
	for _, n := range names {
		id, ok := env.Inputs[n]
		if !ok {
			return nil, fmt.Errorf("no run of dependency %s given: run models through RunOne or RunAll", n)
		}
		out = append(out, clickhouse.Named("dep_"+n, id))
	}
	return out, nil
}

// SnapshotGaps returns what keeps asOf from a complete snapshot of the
// models of reg: a model without a finished run (never ran, running,
// failed), or one whose run read a dependency's output that has since
// been replaced. None means the date is complete.
func SnapshotGaps(ctx context.Context, conn warehouse.Conn, reg *Registry, asOf time.Time) ([]string, map[string]RunRecord, error) {
	runs, err := Runs(ctx, conn, asOf)
	if err != nil {
		return nil, nil, err
	}
	return gaps(reg, runs), runs, nil
}

func gaps(reg *Registry, runs map[string]RunRecord) []string {
	var out []string
	for _, n := range reg.Names() {
		r, ok := runs[n]
		switch {
		case !ok:
			out = append(out, n+" has not run")
			continue
		case !r.finished():
			out = append(out, fmt.Sprintf("%s is %s (run %s)", n, r.Status, r.RunID))
			continue
		}
		m, _ := reg.Get(n)
		for _, d := range m.Deps() {
			if cur := runs[d]; r.Deps[d] != cur.RunID {
				out = append(out, fmt.Sprintf("%s read %s of run %q, now run %q: re-run %s", n, d, r.Deps[d], cur.RunID, n))
			}
		}
	}
	return out
}

// PublishSnapshot writes asOf's snapshot (table snapshots) when every
// model of reg has a finished run for asOf and each read its
// dependencies' current runs, and withdraws it otherwise. It reports
// whether the date is published. RunOne calls it after each model when
// Env.Snapshot is set; it is idempotent and safe to call again (after a
// backfill, say). Publishing is one partition replacement, so a reader
// sees the whole snapshot or none.
func PublishSnapshot(ctx context.Context, conn warehouse.Conn, reg *Registry, asOf time.Time) (bool, error) {
	day := asOf.Format(asof.Layout)
	missing, runs, err := SnapshotGaps(ctx, conn, reg, asOf)
	if err != nil {
		return false, fmt.Errorf("publish snapshot of %s: %w", day, err)
	}
	if len(missing) > 0 {
		if _, err := snapshot.Withdraw(ctx, conn, asOf); err != nil {
			return false, fmt.Errorf("publish snapshot of %s: %w", day, err)
		}
		return false, nil
	}
	now := time.Now().UTC()
	names := reg.Names()
	_, err = query.Replace(ctx, conn, "snapshots", "'"+day+"'", "as_of = '"+day+"'", func(stage string) error {
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+" (as_of, model, run_id, status, published_at)")
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := b.Append(asOf, n, runs[n].RunID, runs[n].Status, now); err != nil {
				_ = b.Abort()
				return err
			}
		}
		return b.Send()
	})
	if err != nil {
		return false, fmt.Errorf("publish snapshot of %s: %w", day, err)
	}
	// A model that started meanwhile withdrew the date before it replaced
	// anything; if one did, this snapshot may name its old run: withdraw.
	again, err := Runs(ctx, conn, asOf)
	if err != nil {
		return false, fmt.Errorf("publish snapshot of %s: %w", day, err)
	}
	for _, n := range names {
		if again[n].RunID != runs[n].RunID || again[n].Status != runs[n].Status {
			if _, err := snapshot.Withdraw(ctx, conn, asOf); err != nil {
				return false, fmt.Errorf("publish snapshot of %s: %w", day, err)
			}
			return false, nil
		}
	}
	return true, nil
}

// isSkip reports whether a model's error means "skipped with reason".
func isSkip(err error) bool { return errors.Is(err, ErrPrecondition) }
