package jobs

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// observedStore is the real ClickHouse Store, with every failed write of a
// final state reported on failed: how a test learns, without sleeping,
// that the runner has tried to record an outcome while the server is down.
type observedStore struct {
	RunStore
	failed chan Run
}

func (s *observedStore) Write(ctx context.Context, r Run) error {
	err := s.RunStore.Write(ctx, r)
	if err != nil && r.Status.Final() {
		select {
		case s.failed <- r:
		default:
		}
	}
	return err
}

// notes records what a Notifier was told.
type notes struct {
	mu   sync.Mutex
	runs []Run
}

func (n *notes) Notify(_ context.Context, r Run) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.runs = append(n.runs, r)
	return nil
}

func (n *notes) all() []Run {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Run(nil), n.runs...)
}

// killGraph is tiers -> member_profile -> export, where tiers signals
// entered, waits until the test has killed the server and then queries it,
// failing as a job does when its server is gone.
func killGraph(t *testing.T, conn interface {
	Exec(context.Context, string, ...any) error
}, entered, killed chan struct{}) *Graph {
	g := NewGraph()
	must(t, g.Add(Func{JobName: "tiers", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		close(entered)
		<-killed
		return Stats{}, conn.Exec(ctx, "SELECT 1")
	}}))
	must(t, g.Add(nop("member_profile"), "tiers"))
	must(t, g.Add(nop("export"), "member_profile"))
	return g
}

func waitChan[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(2 * time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// The server dies while tiers runs and is back before the runner gives up
// recording tiers' outcome: tiers is recorded failed (and the webhook
// told), member_profile and export skipped naming tiers.
func TestRunnerServerKilledMidRunIntegration(t *testing.T) {
	t.Parallel()
	srv := chtest.NewOwnServer(t)
	conn := srv.Migrated(t)
	store, err := NewStore(conn)
	must(t, err)
	obs := &observedStore{RunStore: store, failed: make(chan Run, 1)}
	entered, killed := make(chan struct{}), make(chan struct{})
	var told notes
	r, err := NewRunner(Options{Graph: killGraph(t, conn, entered, killed), Store: obs, Notifier: &told,
		Retry: RetryPolicy{MaxAttempts: 1}, HeartbeatInterval: 200 * time.Millisecond,
		// Long enough for the server to come back.
		Record: RetryPolicy{MaxAttempts: 200, Initial: 100 * time.Millisecond, Max: 500 * time.Millisecond}})
	must(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), Request{Target: All, AsOf: day, Trigger: TriggerManual})
		done <- err
	}()
	waitChan(t, entered, "tiers to start")
	srv.Kill(t)
	close(killed)
	lost := waitChan(t, obs.failed, "a failed write of tiers' outcome")
	if lost.Job != "tiers" {
		t.Fatalf("first lost final write is of %s, want tiers", lost.Job)
	}
	srv.Restart(t)
	if err := waitChan(t, done, "the run to end"); err != nil {
		t.Errorf("Run = %v, want nil once the outcome was recorded after the restart", err)
	}
	ctx := context.Background()
	want := map[string]Status{"tiers": StatusFailed, "member_profile": StatusSkipped, "export": StatusSkipped}
	for job, st := range want {
		rs, err := store.List(ctx, Filter{Job: job})
		must(t, err)
		if len(rs) != 1 || rs[0].Status != st {
			t.Errorf("%s runs = %+v, want one %s", job, rs, st)
			continue
		}
		if st == StatusSkipped && !strings.Contains(rs[0].Error, "tiers failed") && !strings.Contains(rs[0].Error, "member_profile skipped") {
			t.Errorf("%s skipped with %q, want the upstream named", job, rs[0].Error)
		}
	}
	if got := told.all(); len(got) != 1 || got[0].Job != "tiers" || got[0].Status != StatusFailed {
		t.Errorf("notified %+v, want tiers failed", got)
	}
}

// The server stays dead until the runner has given up recording tiers'
// outcome: once it is back, a sweep in the same (living) process sees that
// tiers' lease has expired and marks it abandoned, telling the webhook.
func TestRunnerOutcomeLostThenLeaseExpiresIntegration(t *testing.T) {
	t.Parallel()
	srv := chtest.NewOwnServer(t)
	conn := srv.Migrated(t)
	store, err := NewStore(conn)
	must(t, err)
	entered, killed := make(chan struct{}), make(chan struct{})
	var told notes
	r, err := NewRunner(Options{Graph: killGraph(t, conn, entered, killed), Store: store, Notifier: &told,
		Retry: RetryPolicy{MaxAttempts: 1}, HeartbeatInterval: 200 * time.Millisecond, Lease: time.Second,
		Record: RetryPolicy{MaxAttempts: 2, Initial: 10 * time.Millisecond}})
	must(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), Request{Target: All, AsOf: day, Trigger: TriggerManual})
		done <- err
	}()
	waitChan(t, entered, "tiers to start")
	srv.Kill(t)
	close(killed)
	if err := waitChan(t, done, "the run to end"); err == nil || !strings.Contains(err.Error(), "record failed of tiers after 2 attempt(s)") {
		t.Errorf("Run = %v, want the failure to record tiers' outcome", err)
	}
	srv.Restart(t)
	ctx := context.Background()
	var marked []Run
	waitFor(t, 30*time.Second, "a sweep to mark tiers", func() bool {
		got, err := r.RecoverAbandoned(ctx)
		must(t, err)
		marked = append(marked, got...)
		return len(marked) > 0
	})
	if len(marked) != 1 || marked[0].Job != "tiers" {
		t.Fatalf("marked %+v, want tiers", marked)
	}
	got, _, err := store.Get(ctx, marked[0].RunID)
	if err != nil || got.Status != StatusAbandoned || !strings.Contains(got.Error, "heartbeat") {
		t.Errorf("stored tiers = %+v, %v; want abandoned for a lost heartbeat", got, err)
	}
	// Told when it failed (not recorded) and when it was marked.
	if n := told.all(); len(n) != 2 || n[0].Status != StatusFailed || n[1].Status != StatusAbandoned {
		t.Errorf("notified %+v, want tiers failed, then abandoned", n)
	}
}

// runningRun writes a run left running by a live process (this one) whose
// last heartbeat was at heartbeat, with a lease of a second: old, what a
// runner leaves when it lost its server; recent, a run in progress.
func runningRun(t *testing.T, store *Store, job string, asOf, heartbeat time.Time) Run {
	t.Helper()
	run := Run{RunID: job + "-" + asOf.Format(asof.Layout) + "-" + heartbeat.Format("150405"), BatchID: "b", Job: job, AsOf: asOf,
		Trigger: TriggerManual, Status: StatusRunning, Attempt: 1, StartedAt: heartbeat.Add(-time.Hour).UTC(),
		HeartbeatAt: heartbeat.UTC(), Lease: time.Second, Owner: hostname() + ":" + strconv.Itoa(os.Getpid())}
	must(t, store.Write(context.Background(), run))
	return run
}

func deadRun(t *testing.T, store *Store, job string, asOf time.Time) Run {
	t.Helper()
	return runningRun(t, store, job, asOf, time.Now().Add(-time.Hour))
}

// Under a living daemon a run whose runner stopped heartbeating is marked
// abandoned by the periodic sweep and the webhook is told.
func TestServiceSweepsExpiredLeaseIntegration(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	must(t, g.Add(nop("tiers")))
	var told notes
	r, store, _, _ := newTestRunner(t, g, func(o *Options) { o.Notifier = &told })
	dead := deadRun(t, store, "tiers", day)
	s, err := NewService(ServiceOptions{Runner: r, AsOf: func(time.Time) time.Time { return day }, Grace: time.Second,
		SweepEvery: 100 * time.Millisecond})
	must(t, err)
	s.Start()
	defer func() { must(t, s.Shutdown(context.Background())) }()
	waitFor(t, 20*time.Second, "the sweep to mark the dead run", func() bool {
		got, _, err := store.Get(context.Background(), dead.RunID)
		must(t, err)
		return got.Status == StatusAbandoned
	})
	if n := told.all(); len(n) != 1 || n[0].RunID != dead.RunID {
		t.Errorf("notified %+v, want the dead run", n)
	}
}

// backfill never counts a run without a finished success as done: a dead
// running run, a failed, cancelled, abandoned or skipped one are to do; a
// live running one is reported running (with the jobs after it), not done.
func TestBackfillCountsOnlySuccessIntegration(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	must(t, g.Add(nop("tiers")))
	must(t, g.Add(nop("member_profile"), "tiers"))
	r, store, _, _ := newTestRunner(t, g, nil)
	ctx := context.Background()
	d := func(i int) time.Time { return day.AddDate(0, 0, i) }
	deadRun(t, store, "tiers", d(0))
	runningRun(t, store, "tiers", d(1), time.Now().Add(time.Hour)) // fresh for the whole test
	write := func(job string, asOf time.Time, st Status) {
		now := time.Now().UTC()
		must(t, store.Write(ctx, Run{RunID: job + string(st) + asOf.Format(asof.Layout), Job: job, AsOf: asOf, Trigger: TriggerManual,
			Status: st, StartedAt: now, FinishedAt: now, Owner: "x:1"}))
	}
	for i, st := range []Status{StatusFailed, StatusCancelled, StatusAbandoned, StatusSucceeded} {
		write("tiers", d(2+i), st)
	}
	write("member_profile", d(5), StatusSkipped)
	res, err := r.Backfill(ctx, BackfillOptions{Target: All, From: d(0), To: d(5), DryRun: true})
	must(t, err)
	want := []string{
		"run tiers,member_profile; done ; running ; left ",
		"run ; done ; running tiers,member_profile; left ",
		"run tiers,member_profile; done ; running ; left ",
		"run tiers,member_profile; done ; running ; left ",
		"run tiers,member_profile; done ; running ; left ",
		"run member_profile; done tiers; running ; left ",
	}
	show := func(b BackfillDate) string {
		return fmt.Sprintf("run %s; done %s; running %s; left %s", strings.Join(b.Jobs, ","), strings.Join(b.Done, ","),
			strings.Join(b.Running, ","), strings.Join(b.Left, ","))
	}
	for i, b := range res {
		if got := show(b); got != want[i] {
			t.Errorf("%s: %s, want %s", b.AsOf.Format(asof.Layout), got, want[i])
		}
	}
	// none leaves what did not succeed alone, but never calls it done.
	res, err = r.Backfill(ctx, BackfillOptions{Target: All, From: d(2), To: d(2), DryRun: true, Reprocess: ReprocessNone})
	must(t, err)
	if got := show(res[0]); got != "run member_profile; done ; running ; left tiers" {
		t.Errorf("--reprocess none on a failed date: %s", got)
	}
}

// A run in progress keeps its lease fresh with heartbeats: sweeps while it
// runs longer than its lease leave it alone, in this process and in
// another runner (another process) on the same history.
func TestHeartbeatKeepsRunAliveIntegration(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	g := NewGraph()
	must(t, g.Add(Func{JobName: "long", Fn: func(context.Context, time.Time) (Stats, error) {
		close(entered)
		<-release
		return Stats{}, nil
	}}))
	lease := func(o *Options) { o.HeartbeatInterval, o.Lease = 200*time.Millisecond, time.Second }
	r, store, _, _ := newTestRunner(t, g, lease)
	other, err := NewRunner(Options{Graph: g, Store: store, Owner: "elsewhere:1"})
	must(t, err)
	ctx := context.Background()
	done := make(chan []Run, 1)
	go func() {
		runs, err := r.Run(ctx, Request{Target: "long", AsOf: day, Trigger: TriggerManual})
		must(t, err)
		done <- runs
	}()
	<-entered
	var cur Run
	waitFor(t, 30*time.Second, "heartbeats past twice the lease", func() bool {
		rs, err := store.List(ctx, Filter{Job: "long"})
		must(t, err)
		cur = rs[0]
		return cur.HeartbeatAt.Sub(cur.StartedAt) > 3*time.Second
	})
	if cur.Status != StatusRunning || cur.Lease != time.Second || cur.LeaseExpired(time.Now()) {
		t.Errorf("run in progress = %+v, want running with a fresh one-second lease", cur)
	}
	for _, sweeper := range []*Runner{r, other} {
		if got, err := sweeper.RecoverAbandoned(ctx); err != nil || len(got) != 0 {
			t.Errorf("sweep while the run heartbeats = %+v, %v; want nothing", got, err)
		}
	}
	close(release)
	runs := <-done
	got, _, err := store.Get(ctx, runs[0].RunID)
	if err != nil || got.Status != StatusSucceeded {
		t.Errorf("after the run = %+v, %v", got, err)
	}
}

// A lease no longer than the heartbeat interval is refused.
func TestNewRunnerRefusesShortLease(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	must(t, g.Add(nop("a")))
	_, err := NewRunner(Options{Graph: g, Store: &memStore{}, HeartbeatInterval: time.Second, Lease: time.Second})
	if err == nil || !strings.Contains(err.Error(), "lease 1s must be longer than the heartbeat interval 1s") {
		t.Errorf("NewRunner = %v", err)
	}
}

// At start a service with CatchUp runs its schedules' last fire again
// where a job did not succeed: the run tiers left dead (then marked) and
// the job after it; a schedule whose last fire succeeded is left alone.
func TestServiceCatchUpIntegration(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	ran := map[string][]string{}
	job := func(name string) Job {
		return Func{JobName: name, Fn: func(_ context.Context, asOf time.Time) (Stats, error) {
			mu.Lock()
			defer mu.Unlock()
			ran[name] = append(ran[name], asOf.Format(asof.Layout))
			return Stats{}, nil
		}}
	}
	g := NewGraph()
	must(t, g.Add(job("tiers")))
	must(t, g.Add(job("member_profile"), "tiers"))
	must(t, g.Add(job("other")))
	must(t, g.Pipeline("profile", "member_profile"))
	r, store, _, _ := newTestRunner(t, g, nil)
	ctx := context.Background()
	asOf := day
	dead := deadRun(t, store, "tiers", asOf)
	if _, err := r.Run(ctx, Request{Target: "other", AsOf: asOf, Trigger: TriggerSchedule}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	ran = map[string][]string{}
	mu.Unlock()
	s, err := NewService(ServiceOptions{Runner: r, AsOf: func(time.Time) time.Time { return asOf }, Grace: time.Second,
		Schedules: []Schedule{{Name: "nightly", Target: "profile", Cron: "0 3 * * *"}, {Name: "other", Target: "other", Cron: "0 4 * * *"}},
		CatchUp:   48 * time.Hour, SweepEvery: 100 * time.Millisecond})
	must(t, err)
	s.Start()
	waitFor(t, 30*time.Second, "the catch-up runs and the sweep", func() bool {
		rs, err := store.List(ctx, Filter{Job: "member_profile"})
		must(t, err)
		d, _, err := store.Get(ctx, dead.RunID)
		must(t, err)
		return len(rs) == 1 && rs[0].Status.Final() && d.Status == StatusAbandoned
	})
	must(t, s.Shutdown(ctx))
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(ran) != fmt.Sprintf("map[member_profile:[%[1]s] tiers:[%[1]s]]", asOf.Format(asof.Layout)) {
		t.Errorf("caught up %v, want tiers and member_profile for %s only", ran, asOf.Format(asof.Layout))
	}
	rs, err := store.List(ctx, Filter{Job: "tiers"})
	must(t, err)
	for _, run := range rs {
		switch {
		case run.RunID == dead.RunID && run.Status != StatusAbandoned:
			t.Errorf("dead run = %+v, want abandoned", run)
		case run.RunID != dead.RunID && (run.Status != StatusSucceeded || run.Trigger != TriggerSchedule):
			t.Errorf("catch-up run = %+v, want succeeded, trigger schedule", run)
		}
	}
}
