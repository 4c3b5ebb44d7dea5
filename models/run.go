package models

import (
	"context"
	"fmt"
	"time"
)

// RunResult is the outcome of one model in RunAll.
type RunResult struct {
	Model    string
	Result   Result
	Duration time.Duration
}

// RunAll runs the named models (all registered models when names is empty)
// for asOf in dependency order, one at a time, and records each model's
// metrics (with rows_<table> and run_seconds) and params. It stops at the
// first failure, so no model runs on a failed dependency's stale output,
// and returns the results of the models that finished. Every model must be
// idempotent per as_of, so RunAll may be retried as a whole.
func RunAll(ctx context.Context, reg *Registry, env Env, names []string, asOf time.Time) ([]RunResult, error) {
	ordered, err := reg.Ordered(names...)
	if err != nil {
		return nil, err
	}
	var out []RunResult
	for _, m := range ordered {
		r, err := RunOne(ctx, m, env, asOf)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RunOne runs a single model for asOf and records its figures; it does not
// run the model's dependencies. It first drops the work tables of earlier
// runs whose WorkLease has passed (SweepWork). The job runner calls it per model.
func RunOne(ctx context.Context, m Model, env Env, asOf time.Time) (RunResult, error) {
	name := m.Name()
	w := NewWindow(asOf, env.location())
	env.Log = env.logger().With("model", name, "as_of", w.Date(), "run_id", env.RunID)
	env.Location = w.Location
	// Work tables a crashed run left behind, once their lease has passed.
	if _, err := SweepWork(ctx, env.Conn, SweepOptions{Logger: env.Log}); err != nil {
		env.Log.Warn("sweep model work tables (the next run tries again)", "err", err)
	}
	start := time.Now()
	env.Log.Info("model run started")
	res, err := m.Run(ctx, env, w.AsOf)
	if err != nil {
		env.Log.Error("model run failed", "err", err)
		return RunResult{Model: name}, fmt.Errorf("run model %s for %s: %w", name, w.Date(), err)
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
		return RunResult{Model: name}, fmt.Errorf("run model %s for %s: %w", name, w.Date(), err)
	}
	if err := RecordParams(ctx, env.Conn, name, w.AsOf, env.RunID, res.Params); err != nil {
		return RunResult{Model: name}, fmt.Errorf("run model %s for %s: %w", name, w.Date(), err)
	}
	env.Log.Info("model run finished", "seconds", d.Seconds(), "rows", res.Rows)
	return RunResult{Model: name, Result: res, Duration: d}, nil
}
