package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// RetryPolicy says how often and how soon a transient failure is retried.
type RetryPolicy struct {
	// MaxAttempts is the number of tries including the first; 1 disables retries.
	MaxAttempts int
	// Initial is the wait before the first retry; it doubles for each further retry.
	Initial time.Duration
	// Max caps the wait.
	Max time.Duration
	// Jitter in [0, 1] shortens each wait by a random fraction up to
	// Jitter, so runs that failed together do not retry in lock-step.
	Jitter float64
}

// Backoff returns the wait after the given failed attempt (1-based);
// rnd returns a number in [0, 1).
func (p RetryPolicy) Backoff(attempt int, rnd func() float64) time.Duration {
	d := p.Initial
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if p.Jitter > 0 && rnd != nil {
		d -= time.Duration(p.Jitter * rnd() * float64(d))
	}
	return d
}

// Notifier is told about every run that ended failed (after its retries).
type Notifier interface {
	Notify(ctx context.Context, r Run) error
}

// RunStore is the run history the Runner writes; *Store is the ClickHouse one.
type RunStore interface {
	Write(ctx context.Context, r Run) error
	List(ctx context.Context, f Filter) ([]Run, error)
}

// Options configure a Runner. Graph and Store are required.
type Options struct {
	Graph   *Graph
	Store   RunStore
	Logger  *slog.Logger
	Metrics *Metrics
	Retry   RetryPolicy
	// Timeout bounds one attempt of a job; 0 means no limit. Timeouts
	// overrides it per job name.
	Timeout  time.Duration
	Timeouts map[string]time.Duration
	// Notifier, when set, is told about failed runs.
	Notifier Notifier
	// AbandonAfter is how old a running run of another host must be for
	// RecoverAbandoned to call it abandoned; runs of this host are judged
	// by whether their process is alive. 0 means 24h.
	AbandonAfter time.Duration
	// Owner identifies this process in the history; default host:pid.
	Owner string
	// Guard, when set, refuses an as_of outside the loaded data (see
	// Runner.CheckAsOf); the Date rule applies without it.
	Guard *AsOfGuard
}

// Runner runs jobs of a Graph for a business date, one code path for every
// trigger. It is safe for concurrent use; a job never runs twice at once in
// one Runner (a request that needs a busy job gets ErrBusy).
type Runner struct {
	opt  Options
	log  *slog.Logger
	rnd  func() float64
	now  func() time.Time
	mu   sync.Mutex
	busy map[string]string // job -> run id or "" while starting
}

// NewRunner returns a Runner; it validates the graph.
func NewRunner(opt Options) (*Runner, error) {
	if opt.Graph == nil || opt.Store == nil {
		return nil, errors.New("new runner: graph and store are required")
	}
	if err := opt.Graph.Validate(); err != nil {
		return nil, fmt.Errorf("new runner: %w", err)
	}
	if opt.Retry.MaxAttempts < 1 {
		opt.Retry.MaxAttempts = 1
	}
	if opt.AbandonAfter <= 0 {
		opt.AbandonAfter = 24 * time.Hour
	}
	if opt.Owner == "" {
		opt.Owner = DefaultOwner()
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{opt: opt, log: log, rnd: rand.Float64, now: time.Now, busy: map[string]string{}}, nil
}

// DefaultOwner is host:pid of this process.
func DefaultOwner() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// Graph returns the runner's graph.
func (r *Runner) Graph() *Graph { return r.opt.Graph }

// Request is one thing to run.
type Request struct {
	// Target is a job, a pipeline or "all" (see Graph.Plan).
	Target string
	// AsOf is the business date; it is truncated to a date.
	AsOf    time.Time
	Trigger Trigger
	// BatchID groups the runs; empty makes a new one.
	BatchID string
	// Only, when set, restricts the target's plan to these jobs (a
	// backfill re-running the failed part of a pipeline).
	Only []string
	// AllowEmpty runs an as_of outside the loaded data (never outside
	// the Date rule; see AsOfGuard).
	AllowEmpty bool
	// DefaultAsOf says AsOf was not asked for but defaulted to
	// yesterday; refusals say so.
	DefaultAsOf bool
}

// Busy reports whether any job of target is running in this Runner.
func (r *Runner) Busy(target string) bool {
	plan, err := r.opt.Graph.Plan(target)
	if err != nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range plan {
		if _, ok := r.busy[j]; ok {
			return true
		}
	}
	return false
}

// Running returns the names of the jobs running now.
func (r *Runner) Running() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.busy))
	for j := range r.busy {
		out[j] = true
	}
	return out
}

func (r *Runner) acquire(plan []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range plan {
		if _, ok := r.busy[j]; ok {
			return fmt.Errorf("run %s: %w", j, ErrBusy)
		}
	}
	for _, j := range plan {
		r.busy[j] = ""
	}
	return nil
}

func (r *Runner) release(job string) {
	r.mu.Lock()
	delete(r.busy, job)
	r.mu.Unlock()
}

// Run runs req.Target's jobs in dependency order for req.AsOf and returns
// their runs. A job whose dependency (within this request) did not succeed
// is recorded as skipped. When ctx is cancelled the running job is
// cancelled (recorded cancelled) and later jobs are not started. An as_of
// outside the Date rule runs and records nothing; before its first job
// that is not a load (DataLoader) Run applies Options.Guard's data rule
// and, when it refuses, records that job and every later one as skipped
// with the reason and returns an error wrapping ErrAsOfOutsideData. The
// error is also ErrBusy, an unknown target, a failure to record the
// history, or ctx's cause; a failed job is not an error of Run: read the
// statuses.
func (r *Runner) Run(ctx context.Context, req Request) ([]Run, error) {
	if !req.Trigger.Valid() {
		return nil, fmt.Errorf("run %s: invalid trigger %q", req.Target, req.Trigger)
	}
	if err := CheckDateRange(req.AsOf); err != nil {
		return nil, fmt.Errorf("run %s: %w", req.Target, err)
	}
	plan, err := r.opt.Graph.Plan(req.Target)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", req.Target, err)
	}
	plan = restrict(plan, req.Only)
	if err := r.acquire(plan); err != nil {
		return nil, err
	}
	released := map[string]bool{}
	defer func() {
		for _, j := range plan {
			if !released[j] {
				r.release(j)
			}
		}
	}()
	if req.BatchID == "" {
		req.BatchID = uuid.NewString()
	}
	asOf := Date(req.AsOf)
	status := map[string]Status{}
	var runs []Run
	checked := r.opt.Guard == nil || req.AllowEmpty
	var refused error
	for _, name := range plan {
		if ctx.Err() != nil {
			return runs, fmt.Errorf("run %s: %w", req.Target, context.Cause(ctx))
		}
		job, _ := r.opt.Graph.Job(name)
		if !checked && !loadsData(job) {
			checked = true
			refused = r.opt.Guard.Check(ctx, asOf, req.DefaultAsOf, false)
		}
		var bad []string
		for _, d := range r.opt.Graph.Deps(name) {
			if st, inPlan := status[d]; inPlan && st != StatusSucceeded {
				bad = append(bad, d+" "+string(st))
			}
		}
		var run Run
		if refused != nil {
			run, err = r.skip(ctx, name, asOf, req, "skipped: "+refused.Error())
		} else if len(bad) > 0 {
			run, err = r.skip(ctx, name, asOf, req, fmt.Sprintf("%v (%s)", ErrUpstream, strings.Join(bad, ", ")))
		} else {
			run, err = r.runOne(ctx, job, asOf, req)
		}
		r.release(name)
		released[name] = true
		if err != nil {
			return runs, err
		}
		status[name] = run.Status
		runs = append(runs, run)
	}
	if refused != nil {
		return runs, fmt.Errorf("run %s for %s: %w", req.Target, asOf.Format(DateLayout), refused)
	}
	return runs, nil
}

func (r *Runner) newRun(name string, asOf time.Time, req Request, st Status) Run {
	return Run{RunID: uuid.NewString(), BatchID: req.BatchID, Job: name, AsOf: asOf, Trigger: req.Trigger,
		Status: st, Attempt: 1, StartedAt: r.now().UTC(), Owner: r.opt.Owner}
}

func (r *Runner) skip(ctx context.Context, name string, asOf time.Time, req Request, reason string) (Run, error) {
	run := r.newRun(name, asOf, req, StatusSkipped)
	run.Attempt = 0
	run.FinishedAt = run.StartedAt
	run.Error = reason
	if err := r.opt.Store.Write(context.WithoutCancel(ctx), run); err != nil {
		return run, err
	}
	r.log.Warn("job skipped", "job", name, "as_of", asOf.Format(DateLayout), "run_id", run.RunID, "reason", reason)
	r.opt.Metrics.finished(run, 0)
	return run, nil
}

func (r *Runner) timeout(name string) time.Duration {
	if d, ok := r.opt.Timeouts[name]; ok {
		return d
	}
	return r.opt.Timeout
}

// runOne runs one job with retries and records every state change.
func (r *Runner) runOne(ctx context.Context, job Job, asOf time.Time, req Request) (Run, error) {
	name := job.Name()
	run := r.newRun(name, asOf, req, StatusRunning)
	log := r.log.With("job", name, "as_of", asOf.Format(DateLayout), "run_id", run.RunID, "trigger", string(req.Trigger))
	if err := r.opt.Store.Write(ctx, run); err != nil {
		return run, err
	}
	if m := r.opt.Metrics; m != nil {
		m.Running.WithLabelValues(name).Inc()
		defer m.Running.WithLabelValues(name).Dec()
	}
	log.Info("job started")
	start := r.now()
	var (
		st  Stats
		err error
	)
	for {
		if m := r.opt.Metrics; m != nil {
			m.Attempts.WithLabelValues(name).Inc()
		}
		st, err = r.attempt(context.WithValue(ctx, runIDKey{}, run.RunID), job, asOf)
		if err == nil || ctx.Err() != nil || !IsTransient(err) || run.Attempt >= r.opt.Retry.MaxAttempts {
			break
		}
		wait := r.opt.Retry.Backoff(run.Attempt, r.rnd)
		log.Warn("job attempt failed, retrying", "attempt", run.Attempt, "wait_seconds", wait.Seconds(), "err", err)
		run.Error = classLabel(err) + err.Error()
		run.Attempt++
		if werr := r.opt.Store.Write(ctx, run); werr != nil {
			log.Error("record retry", "err", werr)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		if ctx.Err() != nil {
			err = context.Cause(ctx)
			break
		}
	}
	run.FinishedAt = r.now().UTC()
	run.RowsIn, run.RowsOut, run.Checks = st.RowsIn, st.RowsOut, st.Checks
	switch {
	case err == nil:
		run.Status, run.Error = StatusSucceeded, ""
	case ctx.Err() != nil:
		run.Status, run.Error = StatusCancelled, fmt.Sprintf("cancelled: %v: %v", context.Cause(ctx), err)
	default:
		run.Status, run.Error = StatusFailed, classLabel(err)+err.Error()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if werr := r.opt.Store.Write(wctx, run); werr != nil {
		return run, werr
	}
	r.opt.Metrics.finished(run, r.now().Sub(start).Seconds())
	if run.Status == StatusSucceeded {
		r.opt.Metrics.rows(st)
	}
	attrs := []any{"status", string(run.Status), "attempts", run.Attempt, "seconds", r.now().Sub(start).Seconds(), "rows_in", run.RowsIn, "rows_out", run.RowsOut}
	switch run.Status {
	case StatusSucceeded:
		log.Info("job finished", attrs...)
	default:
		log.Error("job finished", append(attrs, "err", run.Error)...)
	}
	if run.Status == StatusFailed && r.opt.Notifier != nil {
		if nerr := r.opt.Notifier.Notify(wctx, run); nerr != nil {
			log.Error("notify failure", "err", nerr)
		}
	}
	return run, nil
}

// attempt runs the job once under the job timeout, turning a panic into a
// permanent error.
func (r *Runner) attempt(ctx context.Context, job Job, asOf time.Time) (st Stats, err error) {
	if d := r.timeout(job.Name()); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, ErrTimeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("job %s panicked: %v\n%s", job.Name(), p, debug.Stack()))
		}
	}()
	st, err = job.Run(ctx, asOf)
	if err != nil && errors.Is(context.Cause(ctx), ErrTimeout) {
		err = Permanent(fmt.Errorf("%w after %s: %w", ErrTimeout, r.timeout(job.Name()), err))
	}
	return st, err
}

// RecoverAbandoned marks as abandoned the runs left "running" by a process
// that is gone: on this host, a process that no longer exists; on another
// host, a run older than Options.AbandonAfter. Call it at start-up. It
// returns the runs it marked.
func (r *Runner) RecoverAbandoned(ctx context.Context) ([]Run, error) {
	running, err := r.opt.Store.List(ctx, Filter{Status: StatusRunning, Limit: 100_000})
	if err != nil {
		return nil, fmt.Errorf("recover abandoned runs: %w", err)
	}
	host, _ := os.Hostname()
	var out []Run
	for _, run := range running {
		if run.Owner == r.opt.Owner {
			continue // ours, still in progress
		}
		h, pidText, _ := strings.Cut(run.Owner, ":")
		pid, _ := strconv.Atoi(pidText)
		var why string
		switch {
		case h == host && pid > 0 && !processAlive(pid):
			why = fmt.Sprintf("abandoned: process %s is gone", run.Owner)
		case r.now().Sub(run.StartedAt) > r.opt.AbandonAfter && (h != host || pid <= 0):
			why = fmt.Sprintf("abandoned: running since %s on %s", run.StartedAt.Format(time.RFC3339), run.Owner)
		default:
			continue
		}
		run.Status, run.Error, run.FinishedAt = StatusAbandoned, why, r.now().UTC()
		if err := r.opt.Store.Write(ctx, run); err != nil {
			return out, fmt.Errorf("recover abandoned runs: %w", err)
		}
		r.opt.Metrics.finished(run, run.FinishedAt.Sub(run.StartedAt).Seconds())
		r.log.Warn("marked run abandoned", "job", run.Job, "run_id", run.RunID, "as_of", run.AsOf.Format(DateLayout), "owner", run.Owner)
		out = append(out, run)
	}
	return out, nil
}

// processAlive reports whether a process with pid exists on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
