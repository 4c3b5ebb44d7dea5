package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/snapshot"
)

// RunResult is the outcome of one model in RunAll.
type RunResult struct {
	Model    string
	Result   Result
	Duration time.Duration
	// Skipped is the reason the model was skipped (its preconditions did
	// not hold); empty when it ran.
	Skipped string
}

// RunAll runs the named models (all registered models when names is empty)
// for asOf in dependency order, one at a time, through RunOne, publishing
// the date's snapshot of reg's models once it is complete. It stops at the
// first failure, so no model runs on a failed dependency's stale output,
// and returns the results of the models that finished; a skipped model
// (ErrSkipped) is not a failure. Every model must be idempotent per as_of,
// so RunAll may be retried as a whole.
func RunAll(ctx context.Context, reg *Registry, env Env, names []string, asOf time.Time) ([]RunResult, error) {
	ordered, err := reg.Ordered(names...)
	if err != nil {
		return nil, err
	}
	if env.Snapshot == nil {
		env.Snapshot = reg
	}
	var out []RunResult
	for _, m := range ordered {
		r, err := RunOne(ctx, m, env, asOf)
		if err != nil && !errors.Is(err, ErrSkipped) {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RunOne runs a single model for asOf and records its figures; it does not
// run the model's dependencies but refuses to run without them: each must
// have a finished (succeeded or skipped) run for asOf, else the error
// wraps ErrMissingDependency and names what to run. It records the run in
// model_runs (running, then succeeded, skipped or failed, with the
// dependency runs it read) and withdraws asOf's published snapshot before
// the model touches any output, so readers of the snapshot never see a
// half-replaced date. A model whose error wraps ErrPrecondition is
// recorded as skipped with the error as its reason; RunOne then returns
// an error wrapping ErrSkipped. With env.Snapshot set, it finally
// publishes asOf's snapshot when the date is complete (PublishSnapshot).
// It first drops the work tables of earlier runs whose WorkLease has
// passed (SweepWork). The job runner calls it per model.
func RunOne(ctx context.Context, m Model, env Env, asOf time.Time) (RunResult, error) {
	name := m.Name()
	w := NewWindow(asOf, env.location())
	env.Log = env.Logger().With("model", name, "as_of", w.Date(), "run_id", env.RunID)
	env.Location = w.Location
	// Work tables a crashed run left behind, once their lease has passed.
	if _, err := SweepWork(ctx, env.Conn, SweepOptions{Logger: env.Log}); err != nil {
		env.Log.Warn("sweep model work tables (the next run tries again)", "err", err)
	}
	fail := func(err error) (RunResult, error) {
		return RunResult{Model: name}, fmt.Errorf("run model %s for %s: %w", name, w.Date(), err)
	}
	runs, err := Runs(ctx, env.Conn, w.AsOf)
	if err != nil {
		return fail(err)
	}
	in, err := dependencyRuns(m, runs, w.Date())
	if err != nil {
		env.Log.Error("model run refused", "err", err)
		return RunResult{Model: name}, err
	}
	rec := RunRecord{Model: name, RunID: env.RunID, Status: RunRunning, Deps: in, StartedAt: time.Now().UTC()}
	if err := writeRun(ctx, env.Conn, w.AsOf, rec); err != nil {
		return fail(err)
	}
	if withdrawn, err := snapshot.Withdraw(ctx, env.Conn, w.AsOf); err != nil {
		return fail(err)
	} else if withdrawn {
		env.Log.Info("snapshot withdrawn while the date re-runs")
	}
	env.Inputs = in
	finish := func(status, reason string) error {
		rec.Status, rec.Reason, rec.FinishedAt = status, reason, time.Now().UTC()
		// Record the outcome even when ctx was cancelled.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return writeRun(rctx, env.Conn, w.AsOf, rec)
	}
	start := time.Now()
	env.Log.Info("model run started")
	res, err := m.Run(ctx, env, w.AsOf)
	if err != nil && isSkip(err) {
		env.Log.Warn("model skipped: precondition not met", "reason", err.Error())
		if ferr := finish(RunSkipped, err.Error()); ferr != nil {
			return fail(errors.Join(err, ferr))
		}
		if err := publish(ctx, env, w); err != nil {
			return fail(err)
		}
		return RunResult{Model: name, Skipped: err.Error(), Duration: time.Since(start)},
			fmt.Errorf("run model %s for %s: %w: %w", name, w.Date(), ErrSkipped, err)
	}
	if err != nil {
		env.Log.Error("model run failed", "err", err)
		if ferr := finish(RunFailed, err.Error()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return fail(err)
	}
	d := time.Since(start)
	metrics := map[string]float64{"run_seconds": d.Seconds()}
	for t, n := range res.Rows {
		metrics["rows_"+t] = float64(n)
	}
	for k, v := range res.Metrics {
		metrics[k] = v
	}
	if err := RecordMetrics(ctx, env.Conn, name, w.AsOf, env.RunID, metrics); err != nil {
		return fail(err)
	}
	if err := RecordParams(ctx, env.Conn, name, w.AsOf, env.RunID, res.Params); err != nil {
		return fail(err)
	}
	if err := finish(RunSucceeded, ""); err != nil {
		return fail(err)
	}
	if err := publish(ctx, env, w); err != nil {
		return fail(err)
	}
	env.Log.Info("model run finished", "seconds", d.Seconds(), "rows", res.Rows)
	return RunResult{Model: name, Result: res, Duration: d}, nil
}

// publish publishes w's snapshot of env.Snapshot's models when complete.
func publish(ctx context.Context, env Env, w Window) error {
	if env.Snapshot == nil {
		return nil
	}
	ok, err := PublishSnapshot(ctx, env.Conn, env.Snapshot, w.AsOf)
	if err != nil {
		return err
	}
	if ok {
		env.Log.Info("snapshot published")
	}
	return nil
}
