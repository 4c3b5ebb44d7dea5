package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// ServiceOptions configure a Service.
type ServiceOptions struct {
	Runner    *Runner
	Schedules []Schedule
	// AsOf gives the business date a run started at now computes; nil means
	// the previous calendar day in Location (a nightly run computes the day
	// that just ended).
	AsOf func(now time.Time) time.Time
	// Location is the business time zone for AsOf (default UTC).
	Location *time.Location
	// Grace is how long Shutdown lets running jobs finish before
	// cancelling them (default 30s).
	Grace time.Duration
	// StartWhen, when set, holds the schedulers and manual triggers back
	// until it returns nil: Serve asks it at once and then every StartPoll,
	// serving HTTP meanwhile (serve passes "ClickHouse answers and no
	// migration is pending"). Its last error is the reason NotStarted gives.
	StartWhen func(ctx context.Context) error
	// StartPoll is how often Serve asks StartWhen again (default 10s).
	StartPoll time.Duration
	// OnStart, when set, runs once StartWhen returned nil, just before the
	// schedulers start (serve marks abandoned runs); when it fails, Serve
	// tries again after StartPoll.
	OnStart func(ctx context.Context) error
	// SweepEvery is how often the started service marks dead runs
	// abandoned (Runner.RecoverAbandoned: expired leases, gone
	// processes), so a run that died is seen to die while the daemon
	// lives. 0 means the runner's lease; negative disables it.
	SweepEvery time.Duration
	// CatchUp, when positive, makes Start run each schedule's last fire
	// within this long before now again, as a backfill of that fire's
	// as_of with ReprocessFailed would (trigger schedule): jobs that never
	// ran for it or whose latest run did not succeed, and the jobs after
	// them. 0 disables it.
	CatchUp time.Duration
	Logger  *slog.Logger
}

// Service is the daemon: gocron schedulers firing Runner runs, manual
// triggers, and graceful shutdown. Start it once, Shutdown it once.
type Service struct {
	opt    ServiceOptions
	log    *slog.Logger
	scheds map[string]gocron.Scheduler // by location name
	byName map[string]gocron.Job       // schedule name -> gocron job

	runCtx     context.Context
	cancelRuns context.CancelCauseFunc

	mu       sync.Mutex
	draining bool
	started  bool
	waitErr  error // why the schedulers have not started yet
	wg       sync.WaitGroup

	stopSweep chan struct{}
	swept     chan struct{} // closed when the sweeper ended
}

// NewService builds the schedulers; nothing runs before Start.
func NewService(opt ServiceOptions) (*Service, error) {
	if opt.Runner == nil {
		return nil, errors.New("new service: runner is required")
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Grace <= 0 {
		opt.Grace = 30 * time.Second
	}
	if opt.StartPoll <= 0 {
		opt.StartPoll = 10 * time.Second
	}
	if opt.SweepEvery == 0 {
		opt.SweepEvery = opt.Runner.Lease()
	}
	if opt.AsOf == nil {
		loc := opt.Location
		opt.AsOf = func(now time.Time) time.Time { return Date(now.In(loc)).AddDate(0, 0, -1) }
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{opt: opt, log: log, scheds: map[string]gocron.Scheduler{}, byName: map[string]gocron.Job{}, waitErr: errors.New("starting"),
		stopSweep: make(chan struct{}), swept: make(chan struct{})}
	s.runCtx, s.cancelRuns = context.WithCancelCause(context.Background())
	seen := map[string]bool{}
	opt.Schedules = append([]Schedule(nil), opt.Schedules...)
	for i := range opt.Schedules {
		if opt.Schedules[i].Name == "" {
			opt.Schedules[i].Name = opt.Schedules[i].Target
		}
	}
	s.opt.Schedules = opt.Schedules
	for _, sc := range opt.Schedules {
		if seen[sc.Name] {
			return nil, fmt.Errorf("new service: schedule %s: %w", sc.Name, ErrDuplicateJob)
		}
		seen[sc.Name] = true
		if !opt.Runner.Graph().Has(sc.Target) {
			return nil, fmt.Errorf("new service: schedule %s: %w", sc.Name, errUnknown(sc.Target))
		}
		loc := sc.location()
		sched, ok := s.scheds[loc.String()]
		if !ok {
			var err error
			sched, err = gocron.NewScheduler(gocron.WithLocation(loc), gocron.WithLogger(gocronLogger{log}))
			if err != nil {
				return nil, fmt.Errorf("new service: %w", err)
			}
			s.scheds[loc.String()] = sched
		}
		sc := sc
		j, err := sched.NewJob(sc.definition(), gocron.NewTask(func() { s.fire(sc) }), sc.jobOptions()...)
		if err != nil {
			s.shutdownSchedulers()
			return nil, fmt.Errorf("new service: schedule %s: cron %q: %w", sc.Name, sc.Cron, err)
		}
		s.byName[sc.Name] = j
	}
	return s, nil
}

// Start starts the schedulers, the periodic sweep of dead runs
// (SweepEvery) and the catch-up of the schedules' last fires (CatchUp),
// and accepts manual triggers from then on, without asking StartWhen
// (Serve asks it first). Call it once.
func (s *Service) Start() {
	s.mu.Lock()
	s.started, s.waitErr = true, nil
	s.mu.Unlock()
	for _, sc := range s.scheds {
		sc.Start()
	}
	s.log.Info("scheduler started", "schedules", len(s.opt.Schedules))
	go s.sweep()
	if s.opt.CatchUp > 0 && s.begin() == nil {
		go func() {
			defer s.wg.Done()
			s.catchUp(time.Now())
		}()
	}
}

// sweep marks dead runs abandoned every SweepEvery until Shutdown.
func (s *Service) sweep() {
	defer close(s.swept)
	if s.opt.SweepEvery < 0 {
		<-s.stopSweep
		return
	}
	t := time.NewTicker(s.opt.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.opt.SweepEvery+30*time.Second)
		if _, err := s.opt.Runner.RecoverAbandoned(ctx); err != nil {
			s.log.Warn("sweep dead runs", "err", err)
		}
		cancel()
	}
}

// catchUp runs, for each schedule, its last fire within CatchUp before now
// again where a job of it did not succeed (or never ran).
func (s *Service) catchUp(now time.Time) {
	for _, sc := range s.opt.Schedules {
		log := s.log.With("schedule", sc.Name, "target", sc.Target)
		last, ok, err := LastFire(sc, now, s.opt.CatchUp)
		if err != nil {
			log.Error("schedule catch-up", "err", err)
			continue
		}
		if !ok {
			continue
		}
		asOf := s.opt.AsOf(last)
		res, err := s.opt.Runner.Backfill(s.runCtx, BackfillOptions{
			Target: sc.Target, From: asOf, To: asOf, Reprocess: ReprocessFailed, Trigger: TriggerSchedule,
		})
		if errors.Is(err, ErrAsOfOutsideData) && !madeRuns(res) {
			// Refused before any run (no load in the plan could bring the
			// data): record the skips with the reason, as a fire does.
			_, err = s.opt.Runner.Run(s.runCtx, Request{Target: sc.Target, AsOf: asOf, Trigger: TriggerSchedule, DefaultAsOf: true})
		}
		switch {
		case errors.Is(err, ErrBusy):
			log.Warn("schedule catch-up skipped: a job of it is running", "as_of", asOf.Format(asof.Layout))
		case errors.Is(err, ErrAsOfOutsideData):
			log.Warn("schedule catch-up skipped: as_of outside the data", "as_of", asOf.Format(asof.Layout), "reason", err.Error())
		case err != nil:
			log.Error("schedule catch-up", "as_of", asOf.Format(asof.Layout), "err", err)
		case len(res) == 1 && len(res[0].Jobs) > 0:
			log.Info("schedule caught up", "fired_at", last.UTC(), "as_of", asOf.Format(asof.Layout), "jobs", strings.Join(res[0].Jobs, ","))
		}
	}
}

// madeRuns reports whether a backfill recorded any run.
func madeRuns(res []BackfillDate) bool {
	for _, bd := range res {
		if len(bd.Runs) > 0 {
			return true
		}
	}
	return false
}

// NotStarted returns nil once the schedulers run; before that an error
// wrapping ErrNotStarted that says why (StartWhen's or OnStart's last
// error). It is safe for concurrent use.
func (s *Service) NotStarted() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrNotStarted, s.waitErr)
}

// tryStart asks StartWhen and runs OnStart, then starts the schedulers. It
// reports whether they started; a failure is kept for NotStarted and
// logged when its message changes.
func (s *Service) tryStart(ctx context.Context) bool {
	err := s.startCheck(ctx)
	if err == nil {
		s.Start()
		return true
	}
	s.mu.Lock()
	changed := s.waitErr == nil || s.waitErr.Error() != err.Error()
	s.waitErr = err
	s.mu.Unlock()
	if changed {
		s.log.Warn("scheduler waiting", "reason", err.Error(), "retry_seconds", s.opt.StartPoll.Seconds())
	}
	return false
}

func (s *Service) startCheck(ctx context.Context) error {
	if s.opt.StartWhen != nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.opt.StartWhen(cctx)
		cancel()
		if err != nil {
			return err
		}
	}
	if s.opt.OnStart != nil {
		if err := s.opt.OnStart(ctx); err != nil {
			return err
		}
	}
	return nil
}

// begin registers a run unless the service is draining; it returns
// ErrShutdown or ErrNotStarted when it is not.
func (s *Service) begin() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return ErrShutdown
	}
	if !s.started {
		return ErrNotStarted
	}
	s.wg.Add(1)
	return nil
}

// fire is a schedule's task. gocron's singleton mode already keeps one
// schedule from overlapping itself; the Runner keeps two schedules (or a
// schedule and a trigger) from running the same job at once.
func (s *Service) fire(sc Schedule) {
	if s.begin() != nil {
		return
	}
	defer s.wg.Done()
	asOf := s.opt.AsOf(time.Now())
	_, err := s.opt.Runner.Run(s.runCtx, Request{Target: sc.Target, AsOf: asOf, Trigger: TriggerSchedule, DefaultAsOf: true})
	switch {
	case errors.Is(err, ErrBusy):
		s.log.Warn("scheduled run skipped: a job of it is still running", "schedule", sc.Name, "target", sc.Target)
	case errors.Is(err, ErrAsOfOutsideData):
		s.log.Warn("scheduled run skipped: as_of outside the data", "schedule", sc.Name, "target", sc.Target, "reason", err.Error())
	case err != nil:
		s.log.Error("scheduled run", "schedule", sc.Name, "target", sc.Target, "err", err)
	}
}

// Trigger starts req in the background and returns the batch id of its
// runs and its as_of. req.DefaultAsOf takes the service's default date
// (yesterday) instead of req.AsOf; an empty req.Trigger is manual. It
// fails at once with ErrUnknownJob, ErrBusy, ErrShutdown, before the
// service started ErrNotStarted, and for an as_of the Runner refuses
// (Runner.CheckAsOf) ErrAsOfOutsideDates or ErrAsOfOutsideData.
func (s *Service) Trigger(ctx context.Context, req Request) (string, time.Time, error) {
	target := req.Target
	if !s.opt.Runner.Graph().Has(target) {
		return "", time.Time{}, errUnknown(target)
	}
	if req.DefaultAsOf {
		req.AsOf = s.opt.AsOf(time.Now())
	}
	if req.Trigger == "" {
		req.Trigger = TriggerManual
	}
	req.AsOf = Date(req.AsOf)
	if s.opt.Runner.Busy(target) {
		return "", req.AsOf, fmt.Errorf("trigger %s: %w", target, ErrBusy)
	}
	if err := s.begin(); err != nil {
		return "", req.AsOf, fmt.Errorf("trigger %s: %w", target, err)
	}
	if err := s.opt.Runner.CheckAsOf(ctx, req); err != nil {
		s.wg.Done()
		return "", req.AsOf, fmt.Errorf("trigger %s: %w", target, err)
	}
	req.BatchID = uuid.NewString()
	go func() {
		defer s.wg.Done()
		if _, err := s.opt.Runner.Run(s.runCtx, req); err != nil {
			s.log.Error("triggered run", "target", target, "batch_id", req.BatchID, "err", err)
		}
	}()
	return req.BatchID, req.AsOf, nil
}

// NextRun returns when the named schedule fires next.
func (s *Service) NextRun(schedule string) (time.Time, bool) {
	j, ok := s.byName[schedule]
	if !ok {
		return time.Time{}, false
	}
	t, err := j.NextRun()
	return t, err == nil && !t.IsZero()
}

// Schedules returns the configured schedules.
func (s *Service) Schedules() []Schedule { return s.opt.Schedules }

// Runner returns the service's runner.
func (s *Service) Runner() *Runner { return s.opt.Runner }

// Draining reports whether Shutdown has begun.
func (s *Service) Draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// Shutdown stops new runs (schedules and triggers), lets running ones
// finish for up to the grace period, then cancels them with ErrShutdown
// (the Runner records them as cancelled) and waits for that to be
// recorded, at most until ctx ends. It returns ctx's error when runs were
// still going at the end.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	s.log.Info("shutting down: no new runs", "grace_seconds", s.opt.Grace.Seconds())
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	grace := time.NewTimer(s.opt.Grace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		s.log.Warn("grace period over: cancelling running jobs", "running", fmt.Sprint(keys(s.opt.Runner.Running())))
		s.cancelRuns(ErrShutdown)
		select {
		case <-done:
		case <-ctx.Done():
			s.shutdownSchedulers()
			return fmt.Errorf("shutdown: runs still going: %w", ctx.Err())
		}
	case <-ctx.Done():
		s.cancelRuns(ErrShutdown)
		<-done
	}
	s.cancelRuns(ErrShutdown)
	s.shutdownSchedulers()
	s.log.Info("scheduler stopped")
	return nil
}

// stopSweeper ends the periodic sweep (if Start began one) and waits for it.
func (s *Service) stopSweeper() {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	select {
	case <-s.stopSweep:
		return // already stopped
	default:
	}
	close(s.stopSweep)
	if started {
		<-s.swept
	}
}

func (s *Service) shutdownSchedulers() {
	s.stopSweeper()
	for _, sc := range s.scheds {
		if err := sc.Shutdown(); err != nil {
			s.log.Warn("stop scheduler", "err", err)
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// gocronLogger sends gocron's own messages to slog.
type gocronLogger struct{ log *slog.Logger }

func (l gocronLogger) Debug(msg string, args ...any) { l.log.Debug("gocron: "+msg, args...) }
func (l gocronLogger) Info(msg string, args ...any)  { l.log.Debug("gocron: "+msg, args...) }
func (l gocronLogger) Warn(msg string, args ...any)  { l.log.Warn("gocron: "+msg, args...) }
func (l gocronLogger) Error(msg string, args ...any) { l.log.Error("gocron: "+msg, args...) }
