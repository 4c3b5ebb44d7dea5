package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// Step is the distance between backfill dates.
type Step string

// The steps.
const (
	StepDay   Step = "day"
	StepWeek  Step = "week"
	StepMonth Step = "month"
)

// Reprocess says which dates that already have runs a backfill runs again.
type Reprocess string

// The reprocess modes. Dates (and jobs) without any run are always run;
// a job whose latest run is running with a fresh lease never is (nor the
// jobs after it).
const (
	// ReprocessNone runs only what has never run.
	ReprocessNone Reprocess = "none"
	// ReprocessFailed also re-runs jobs whose latest run did not succeed:
	// failed, cancelled, abandoned, skipped, or running with an expired
	// lease (and the jobs after them).
	ReprocessFailed Reprocess = "failed"
	// ReprocessAll runs everything again.
	ReprocessAll Reprocess = "all"
)

// Dates returns the dates from from to to inclusive, step apart. Monthly
// steps keep the day of month, clamped to the month's last day.
func Dates(from, to time.Time, step Step) ([]time.Time, error) {
	from, to = Date(from), Date(to)
	if to.Before(from) {
		return nil, fmt.Errorf("backfill: --to %s is before --from %s", to.Format(asof.Layout), from.Format(asof.Layout))
	}
	var out []time.Time
	for i := 0; ; i++ {
		var d time.Time
		switch step {
		case StepDay, "":
			d = from.AddDate(0, 0, i)
		case StepWeek:
			d = from.AddDate(0, 0, 7*i)
		case StepMonth:
			first := time.Date(from.Year(), from.Month()+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
			last := first.AddDate(0, 1, -1).Day()
			d = first.AddDate(0, 0, min(from.Day(), last)-1)
		default:
			return nil, fmt.Errorf("backfill: step must be day, week or month, got %q", step)
		}
		if d.After(to) {
			return out, nil
		}
		if len(out) >= 10_000 {
			return nil, errors.New("backfill: more than 10000 dates; use a larger step or a shorter range")
		}
		out = append(out, d)
	}
}

// BackfillOptions say what a backfill runs.
type BackfillOptions struct {
	Target    string
	From, To  time.Time
	Step      Step
	Reprocess Reprocess
	// DryRun plans without running anything.
	DryRun bool
	// Trigger is recorded on the runs; empty means TriggerBackfill (the
	// schedule's catch-up passes TriggerSchedule).
	Trigger Trigger
	// AllowEmpty runs dates outside the loaded data (Request.AllowEmpty).
	AllowEmpty bool
}

// BackfillDate is the plan, and after running the outcome, for one date.
type BackfillDate struct {
	AsOf time.Time
	// Jobs are the jobs run (or, dry, to run) for the date, in order.
	Jobs []string
	// Done are the jobs left alone because their latest run succeeded.
	Done []string
	// Running are the jobs whose latest run is still running (fresh
	// lease), and the jobs after them, which wait for it: not run, not done.
	Running []string
	// Left are the jobs whose latest run did not succeed that
	// ReprocessNone leaves alone: not run, not done.
	Left []string
	// Runs are the runs made (empty for a dry run).
	Runs []Run
}

// Backfill runs target over a range of dates, one date after another,
// through the same Runner.Run as every other trigger (trigger "backfill").
// For each date it runs the jobs the reprocess mode selects plus every job
// after them in the plan. Only a finished success counts as done, and only
// while no dependency has succeeded again since it started; a job still
// running (fresh lease) is not run again, nor the jobs after it. It stops
// at the first date whose runs could not start (ErrBusy, cancellation);
// failed jobs do not stop it.
func (r *Runner) Backfill(ctx context.Context, opt BackfillOptions) ([]BackfillDate, error) {
	switch opt.Reprocess {
	case ReprocessNone, ReprocessFailed, ReprocessAll:
	case "":
		opt.Reprocess = ReprocessFailed
	default:
		return nil, fmt.Errorf("backfill: reprocess must be failed, all or none, got %q", opt.Reprocess)
	}
	dates, err := Dates(opt.From, opt.To, opt.Step)
	if err != nil {
		return nil, err
	}
	plan, err := r.opt.Graph.Plan(opt.Target)
	if err != nil {
		return nil, fmt.Errorf("backfill %s: %w", opt.Target, err)
	}
	// The rules hold for a range when they hold at both ends.
	for _, d := range []time.Time{dates[0], dates[len(dates)-1]} {
		if err := r.CheckAsOf(ctx, Request{Target: opt.Target, AsOf: d, AllowEmpty: opt.AllowEmpty}); err != nil {
			return nil, fmt.Errorf("backfill %s: %w", opt.Target, err)
		}
	}
	latest := map[string]map[time.Time]Run{}
	for _, j := range plan {
		if latest[j], err = latestByDate(ctx, r.opt.Store, j, dates[0], dates[len(dates)-1]); err != nil {
			return nil, fmt.Errorf("backfill %s: %w", opt.Target, err)
		}
	}
	if opt.Trigger == "" {
		opt.Trigger = TriggerBackfill
	}
	now := r.now()
	var out []BackfillDate
	for _, d := range dates {
		bd := BackfillDate{AsOf: d}
		state := map[string]string{} // job -> run, done, running, left
		for _, j := range plan {
			var rerun, running bool
			for _, dep := range r.opt.Graph.Deps(j) {
				rerun = rerun || state[dep] == "run"
				running = running || state[dep] == "running"
			}
			prev, ok := latest[j][d]
			switch {
			case running || (ok && prev.Status == StatusRunning && !prev.LeaseExpired(now)):
				state[j] = "running"
				bd.Running = append(bd.Running, j)
			case rerun || !ok || opt.Reprocess == ReprocessAll:
				state[j] = "run"
			case prev.Status == StatusSucceeded && !supersededDep(latest, r.opt.Graph.Deps(j), d, prev):
				state[j] = "done"
				bd.Done = append(bd.Done, j)
			case opt.Reprocess == ReprocessNone:
				state[j] = "left"
				bd.Left = append(bd.Left, j)
			default:
				state[j] = "run"
			}
			if state[j] == "run" {
				bd.Jobs = append(bd.Jobs, j)
			}
		}
		if !opt.DryRun && len(bd.Jobs) > 0 {
			bd.Runs, err = r.Run(ctx, Request{Target: opt.Target, Only: bd.Jobs, AsOf: d, Trigger: opt.Trigger, AllowEmpty: opt.AllowEmpty})
			if err != nil {
				out = append(out, bd)
				return out, fmt.Errorf("backfill %s at %s: %w", opt.Target, d.Format(asof.Layout), err)
			}
		}
		out = append(out, bd)
	}
	return out, nil
}

// supersededDep reports whether a dependency of a job succeeded again for
// d after the job's own success prev started: the job's output was built
// on an earlier version of it (and, for models, the date's snapshot was
// withdrawn by that re-run), so it is not done.
func supersededDep(latest map[string]map[time.Time]Run, deps []string, d time.Time, prev Run) bool {
	for _, dep := range deps {
		if r, ok := latest[dep][d]; ok && r.Status == StatusSucceeded && r.StartedAt.After(prev.StartedAt) {
			return true
		}
	}
	return false
}

// latestByDate returns, for one job, the latest run per as_of date in
// [from, to], skipped ones included: a skipped run is not a success.
func latestByDate(ctx context.Context, s RunStore, job string, from, to time.Time) (map[time.Time]Run, error) {
	rs, err := s.List(ctx, Filter{Job: job, From: from, To: to, Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	out := map[time.Time]Run{}
	for _, r := range rs { // newest first: keep the first seen per date
		if _, seen := out[r.AsOf]; !seen {
			out[r.AsOf] = r
		}
	}
	return out, nil
}

// restrict keeps the jobs of plan that are in only (all when only is empty).
func restrict(plan, only []string) []string {
	if len(only) == 0 {
		return plan
	}
	var out []string
	for _, j := range plan {
		if slices.Contains(only, j) {
			out = append(out, j)
		}
	}
	return out
}
