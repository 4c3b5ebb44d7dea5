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
	"github.com/memberlytics/memberlytics/internal/platform/asof"
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

// Notifier is told about every run that ended failed (after its retries)
// or was marked abandoned.
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
	// HeartbeatInterval is how often a running run's row is rewritten
	// with a fresh heartbeat_at; 0 means 10s.
	HeartbeatInterval time.Duration
	// Lease is how long after its last heartbeat a running run counts as
	// dead: RecoverAbandoned, in any process, then marks it abandoned. It
	// is stored on each run's row (whole seconds). 0 means three
	// heartbeat intervals; it must be longer than one.
	Lease time.Duration
	// Record is the retry policy for recording a run's outcome (or a
	// skip) when the write fails for a transient reason, such as a
	// ClickHouse restart. Once one outcome of a Run could not be recorded
	// the later ones of that Run are tried once. Zero MaxAttempts means 6
	// attempts, 1s doubling up to 10s.
	Record RetryPolicy
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
	busy map[string]string // job -> run id, or "" until its start is recorded
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
	if opt.HeartbeatInterval <= 0 {
		opt.HeartbeatInterval = 10 * time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = 3 * opt.HeartbeatInterval
	}
	if opt.Lease <= opt.HeartbeatInterval {
		return nil, fmt.Errorf("new runner: lease %s must be longer than the heartbeat interval %s", opt.Lease, opt.HeartbeatInterval)
	}
	if opt.Record.MaxAttempts < 1 {
		opt.Record = RetryPolicy{MaxAttempts: 6, Initial: time.Second, Max: 10 * time.Second, Jitter: 0.2}
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

// Lease returns how long after its last heartbeat a run of this runner
// counts as dead (Options.Lease).
func (r *Runner) Lease() time.Duration { return r.opt.Lease }

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
	// Progress, when set, is called from Run's goroutine as job i of the
	// n in the plan starts (run.Status running) and again when it ended
	// (its final run, skipped ones too). The CLI draws its progress bar
	// with it.
	Progress func(i, n int, run Run)
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

// started notes the run id of a job this runner is running, so that
// RecoverAbandoned leaves it alone.
func (r *Runner) started(job, runID string) {
	r.mu.Lock()
	r.busy[job] = runID
	r.mu.Unlock()
}

// active reports whether runID is being run by this runner now.
func (r *Runner) active(runID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range r.busy {
		if id == runID {
			return true
		}
	}
	return false
}

func (r *Runner) release(job string) {
	r.mu.Lock()
	delete(r.busy, job)
	r.mu.Unlock()
}

// Run runs req.Target's jobs in dependency order for req.AsOf and returns
// their runs. A job whose dependency (within this request) did not succeed
// is recorded as skipped, naming it. When ctx is cancelled the running job
// is cancelled (recorded cancelled) and later jobs are not started. An
// as_of outside the Date rule runs and records nothing; before its first
// job that is not a load (DataLoader) Run applies Options.Guard's data
// rule and, when it refuses, records that job and every later one as
// skipped with the reason and returns an error wrapping
// ErrAsOfOutsideData. A failure to record the history does not stop the
// plan: a job whose start could not be recorded is not run (returned
// failed), one whose outcome could not be recorded counts with its outcome
// for the jobs after it (its row stays running until its lease expires,
// see RecoverAbandoned), and every such failure is in the error. The error
// is otherwise ErrBusy, an unknown target or ctx's cause; a failed job is
// not an error of Run: read the statuses.
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
	var (
		runs   []Run
		recErr error
		rec    = &recorder{r: r}
	)
	checked := r.opt.Guard == nil || req.AllowEmpty
	var refused error
	for i, name := range plan {
		if ctx.Err() != nil {
			return runs, errors.Join(recErr, fmt.Errorf("run %s: %w", req.Target, context.Cause(ctx)))
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
		if req.Progress != nil {
			req.Progress(i, len(plan), Run{Job: name, AsOf: asOf, Trigger: req.Trigger, Status: StatusRunning, StartedAt: r.now().UTC()})
		}
		var run Run
		if refused != nil {
			run, err = r.skip(ctx, rec, name, asOf, req, "skipped: "+refused.Error())
		} else if len(bad) > 0 {
			run, err = r.skip(ctx, rec, name, asOf, req, fmt.Sprintf("%v (%s)", ErrUpstream, strings.Join(bad, ", ")))
		} else {
			run, err = r.runOne(ctx, rec, job, asOf, req)
		}
		r.release(name)
		released[name] = true
		recErr = errors.Join(recErr, err)
		status[name] = run.Status
		runs = append(runs, run)
		if req.Progress != nil {
			req.Progress(i, len(plan), run)
		}
	}
	if refused != nil {
		return runs, errors.Join(recErr, fmt.Errorf("run %s for %s: %w", req.Target, asOf.Format(asof.Layout), refused))
	}
	return runs, recErr
}

// recorder writes the outcomes of one Run: retried with Options.Record
// while the writes work, once each after one was lost for good (the
// server is likely gone; leases cover what is lost).
type recorder struct {
	r    *Runner
	lost bool
}

// write records run's final state.
func (rec *recorder) write(ctx context.Context, run Run, log *slog.Logger) error {
	p := rec.r.opt.Record
	if rec.lost {
		p.MaxAttempts = 1
	}
	for attempt := 1; ; attempt++ {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := rec.r.opt.Store.Write(wctx, run)
		cancel()
		if err == nil {
			return nil
		}
		if attempt >= p.MaxAttempts || !IsTransient(err) {
			rec.lost = true
			return fmt.Errorf("record %s of %s after %d attempt(s): %w", run.Status, run.Job, attempt, err)
		}
		wait := p.Backoff(attempt, rec.r.rnd)
		log.Warn("record run outcome failed, retrying", "status", string(run.Status), "attempt", attempt, "wait_seconds", wait.Seconds(), "err", err)
		time.Sleep(wait) // not cut short by ctx: a shutdown still records what happened
	}
}

func (r *Runner) newRun(name string, asOf time.Time, req Request, st Status) Run {
	return Run{RunID: uuid.NewString(), BatchID: req.BatchID, Job: name, AsOf: asOf, Trigger: req.Trigger,
		Status: st, Attempt: 1, StartedAt: r.now().UTC(), Owner: r.opt.Owner}
}

func (r *Runner) skip(ctx context.Context, rec *recorder, name string, asOf time.Time, req Request, reason string) (Run, error) {
	run := r.newRun(name, asOf, req, StatusSkipped)
	run.Attempt = 0
	run.FinishedAt = run.StartedAt
	run.Error = reason
	log := r.log.With("job", name, "as_of", asOf.Format(asof.Layout), "run_id", run.RunID)
	err := rec.write(ctx, run, log)
	log.Warn("job skipped", "reason", reason)
	r.opt.Metrics.finished(run, 0)
	return run, err
}

func (r *Runner) timeout(name string) time.Duration {
	if d, ok := r.opt.Timeouts[name]; ok {
		return d
	}
	return r.opt.Timeout
}

// runOne runs one job with retries and records every state change; while
// it runs a heartbeat rewrites its row every Options.HeartbeatInterval.
func (r *Runner) runOne(ctx context.Context, rec *recorder, job Job, asOf time.Time, req Request) (Run, error) {
	name := job.Name()
	run := r.newRun(name, asOf, req, StatusRunning)
	run.Lease, run.HeartbeatAt = r.opt.Lease, run.StartedAt
	log := r.log.With("job", name, "as_of", asOf.Format(asof.Layout), "run_id", run.RunID, "trigger", string(req.Trigger))
	if err := r.opt.Store.Write(ctx, run); err != nil {
		// Not run: nothing could track it.
		run.Status, run.FinishedAt = StatusFailed, r.now().UTC()
		run.Error = fmt.Sprintf("permanent: not started: record start: %v", err)
		log.Error("job not started: its start could not be recorded", "err", err)
		r.opt.Metrics.finished(run, 0)
		return run, fmt.Errorf("record start of %s: %w", name, err)
	}
	r.started(name, run.RunID)
	hb := r.startHeartbeat(ctx, run, log)
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
		if werr := hb.update(ctx, run); werr != nil {
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
	hb.stop() // no heartbeat row may follow the outcome
	run.FinishedAt = r.now().UTC()
	run.HeartbeatAt = run.FinishedAt
	run.RowsIn, run.RowsOut, run.Checks = st.RowsIn, st.RowsOut, st.Checks
	switch {
	case err == nil:
		run.Status, run.Error = StatusSucceeded, ""
	case ctx.Err() != nil:
		run.Status, run.Error = StatusCancelled, fmt.Sprintf("cancelled: %v: %v", context.Cause(ctx), err)
	default:
		run.Status, run.Error = StatusFailed, classLabel(err)+err.Error()
	}
	werr := rec.write(ctx, run, log)
	r.opt.Metrics.finished(run, r.now().Sub(start).Seconds())
	if run.Status == StatusSucceeded {
	}
	attrs := []any{"status", string(run.Status), "attempts", run.Attempt, "seconds", r.now().Sub(start).Seconds(), "rows_in", run.RowsIn, "rows_out", run.RowsOut}
	switch run.Status {
	case StatusSucceeded:
		log.Info("job finished", attrs...)
	default:
		log.Error("job finished", append(attrs, "err", run.Error)...)
	}
	if werr != nil {
		log.Error("job outcome not recorded: the run stays running until its lease expires", "lease_seconds", r.opt.Lease.Seconds(), "err", werr)
	}
	if run.Status == StatusFailed {
		r.notify(ctx, run, log)
	}
	return run, werr
}

func (r *Runner) notify(ctx context.Context, run Run, log *slog.Logger) {
	if r.opt.Notifier == nil {
		return
	}
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := r.opt.Notifier.Notify(nctx, run); err != nil {
		log.Error("notify failure", "err", err)
	}
}

// heartbeat keeps a running run's row fresh. Its writes and the runner's
// own writes of the running state (retries) go one at a time under mu, so
// versions follow the order of the states.
type heartbeat struct {
	r     *Runner
	mu    sync.Mutex
	run   Run
	quit  chan struct{}
	ended chan struct{}
}

// startHeartbeat starts rewriting run's row every HeartbeatInterval until stop.
func (r *Runner) startHeartbeat(ctx context.Context, run Run, log *slog.Logger) *heartbeat {
	h := &heartbeat{r: r, run: run, quit: make(chan struct{}), ended: make(chan struct{})}
	ctx = context.WithoutCancel(ctx) // a cancelled run still heartbeats until its outcome
	go func() {
		defer close(h.ended)
		t := time.NewTicker(r.opt.HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-h.quit:
				return
			case <-t.C:
			}
			wctx, cancel := context.WithTimeout(ctx, r.opt.HeartbeatInterval)
			err := h.write(wctx, nil)
			cancel()
			if err != nil {
				log.Warn("record heartbeat", "err", err)
			}
		}
	}()
	return h
}

// write records the run's state with a fresh heartbeat, after applying
// change (when not nil) to it.
func (h *heartbeat) write(ctx context.Context, change func(*Run)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if change != nil {
		change(&h.run)
	}
	h.run.HeartbeatAt = h.r.now().UTC()
	return h.r.opt.Store.Write(ctx, h.run)
}

// update records a new running state of the run (a retry).
func (h *heartbeat) update(ctx context.Context, run Run) error {
	return h.write(ctx, func(cur *Run) { *cur = run })
}

// stop ends the heartbeats and waits for one in flight.
func (h *heartbeat) stop() {
	close(h.quit)
	<-h.ended
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

// RecoverAbandoned marks as abandoned the runs left "running" that are
// dead: their lease expired (no heartbeat for longer than the lease the
// run carries, whoever owns it, the owner alive or not: its connection to
// ClickHouse or its outcome was lost); or their owner is a process of this
// host that no longer exists; or, for runs recorded before heartbeats
// (no lease), they are older than Options.AbandonAfter and owned by
// another host. Runs this Runner is running are left alone. Each marked
// run is counted and told to the Notifier like a failure. Call it at
// start-up and periodically (Service does); it is idempotent and returns
// the runs it marked.
func (r *Runner) RecoverAbandoned(ctx context.Context) ([]Run, error) {
	running, err := r.opt.Store.List(ctx, Filter{Status: StatusRunning, Limit: 100_000})
	if err != nil {
		return nil, fmt.Errorf("recover abandoned runs: %w", err)
	}
	host, _ := os.Hostname()
	var out []Run
	for _, run := range running {
		if r.active(run.RunID) {
			continue // ours, in progress
		}
		h, pidText, _ := strings.Cut(run.Owner, ":")
		pid, _ := strconv.Atoi(pidText)
		now := r.now()
		var why string
		switch {
		case h == host && pid > 0 && !processAlive(pid):
			why = fmt.Sprintf("abandoned: process %s is gone", run.Owner)
		case run.LeaseExpired(now):
			why = fmt.Sprintf("abandoned: no heartbeat from %s since %s (lease %s): its process, its connection to ClickHouse or its outcome was lost",
				run.Owner, run.HeartbeatAt.Format(time.RFC3339), run.Lease)
		case run.Lease == 0 && now.Sub(run.StartedAt) > r.opt.AbandonAfter && (h != host || pid <= 0):
			why = fmt.Sprintf("abandoned: running since %s on %s", run.StartedAt.Format(time.RFC3339), run.Owner)
		default:
			continue
		}
		run.Status, run.Error, run.FinishedAt = StatusAbandoned, why, now.UTC()
		if err := r.opt.Store.Write(ctx, run); err != nil {
			return out, fmt.Errorf("recover abandoned runs: %w", err)
		}
		r.opt.Metrics.finished(run, run.FinishedAt.Sub(run.StartedAt).Seconds())
		log := r.log.With("job", run.Job, "run_id", run.RunID, "as_of", run.AsOf.Format(asof.Layout), "owner", run.Owner)
		log.Warn("marked run abandoned", "reason", why)
		r.notify(ctx, run, log)
		out = append(out, run)
	}
	return out, nil
}

// processAlive reports whether a process with pid exists on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
