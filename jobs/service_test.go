package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

func newTestService(t *testing.T, r *Runner, grace time.Duration, scheds ...Schedule) *Service {
	t.Helper()
	s, err := NewService(ServiceOptions{Runner: r, Schedules: scheds, Grace: grace, AsOf: func(time.Time) time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func finalRuns(t *testing.T, store *Store, job string) []Run {
	t.Helper()
	rs, err := store.List(context.Background(), Filter{Job: job, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []Run
	for _, r := range rs {
		if r.Status.Final() {
			out = append(out, r)
		}
	}
	return out
}

// A job that takes 1.5 s on a schedule firing every second never runs
// twice at once, and every run is recorded.
func TestServiceNoOverlapIntegration(t *testing.T) {
	t.Parallel()
	var running, maxRunning, calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "slow", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		calls.Add(1)
		time.Sleep(1500 * time.Millisecond)
		return Stats{RowsOut: 1}, nil
	}}))
	r, store, m, _ := newTestRunner(t, g, nil)
	// Two schedules on the same job: gocron's singleton mode covers each
	// schedule, the runner covers the pair.
	s := newTestService(t, r, 5*time.Second,
		Schedule{Name: "every_second", Target: "slow", Cron: "* * * * * *"},
		Schedule{Name: "every_second_too", Target: All, Cron: "* * * * * *"})
	s.Start()
	waitFor(t, 15*time.Second, "three finished runs", func() bool { return len(finalRuns(t, store, "slow")) >= 3 })
	must(t, s.Shutdown(context.Background()))
	if maxRunning.Load() != 1 {
		t.Errorf("at most %d runs at once, want 1", maxRunning.Load())
	}
	runs := finalRuns(t, store, "slow")
	if len(runs) != int(calls.Load()) {
		t.Errorf("%d runs recorded, the job ran %d times", len(runs), calls.Load())
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].StartedAt.Before(runs[j].StartedAt) })
	for i, run := range runs {
		if run.Status != StatusSucceeded || run.Trigger != TriggerSchedule || !run.AsOf.Equal(day) || run.RowsOut != 1 {
			t.Errorf("run %d = %+v", i, run)
		}
		if i > 0 && run.StartedAt.Before(runs[i-1].FinishedAt) {
			t.Errorf("run %d started %s before run %d finished %s", i, run.StartedAt, i-1, runs[i-1].FinishedAt)
		}
	}
	if n := testutil.ToFloat64(m.Runs.WithLabelValues("slow", "succeeded")); int(n) != len(runs) {
		t.Errorf("runs counter = %v, want %d", n, len(runs))
	}
}

// On the real scheduler: a transient failure is retried and then
// succeeds; a bad-input failure is not retried and reaches the webhook.
func TestServiceRetriesAndAlertsIntegration(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var alerts []FailureMessage
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg FailureMessage
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&msg) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		alerts = append(alerts, msg)
		mu.Unlock()
	}))
	defer hook.Close()
	var flakyCalls, badCalls atomic.Int32
	g := NewGraph()
	must(t, g.Add(flaky("flaky", &flakyCalls, Transient(errors.New("connection reset by peer")))))
	must(t, g.Add(Func{JobName: "bad", Fn: func(context.Context, time.Time) (Stats, error) {
		badCalls.Add(1)
		return Stats{}, errors.New("orders.csv line 7: cannot parse amount \"abc\"")
	}}))
	r, store, _, _ := newTestRunner(t, g, func(o *Options) { o.Notifier = NewWebhook(hook.URL, 5*time.Second) })
	s := newTestService(t, r, 5*time.Second,
		Schedule{Name: "flaky_every_2s", Target: "flaky", Cron: "*/2 * * * * *"},
		Schedule{Name: "bad_every_2s", Target: "bad", Cron: "*/2 * * * * *"})
	s.Start()
	waitFor(t, 15*time.Second, "a finished run of each job", func() bool {
		return len(finalRuns(t, store, "flaky")) >= 1 && len(finalRuns(t, store, "bad")) >= 1
	})
	must(t, s.Shutdown(context.Background()))
	fr := finalRuns(t, store, "flaky")
	first := fr[len(fr)-1] // oldest
	if first.Status != StatusSucceeded || first.Attempt != 2 {
		t.Errorf("first flaky run = %+v, want succeeded on attempt 2", first)
	}
	for _, b := range finalRuns(t, store, "bad") {
		if b.Status != StatusFailed || b.Attempt != 1 || !strings.HasPrefix(b.Error, "permanent: orders.csv line 7") {
			t.Errorf("bad run = %+v, want failed once, permanent", b)
		}
	}
	if got, want := int(badCalls.Load()), len(finalRuns(t, store, "bad")); got != want {
		t.Errorf("bad job ran %d times for %d runs: a bad-input failure was retried", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != len(finalRuns(t, store, "bad")) || len(alerts) == 0 {
		t.Fatalf("%d alerts, want one per failed run", len(alerts))
	}
	if a := alerts[0]; a.Event != "job_run_failed" || a.Run.Job != "bad" || a.Run.Status != StatusFailed || !strings.Contains(a.Text, "cannot parse amount") {
		t.Errorf("alert = %+v", a)
	}
}

func TestServiceGracefulShutdownIntegration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		grace      time.Duration
		jobTakes   time.Duration
		wantStatus Status
	}{
		{"running job finishes within the grace period", 3 * time.Second, 500 * time.Millisecond, StatusSucceeded},
		{"running job is cancelled after the grace period", 300 * time.Millisecond, time.Hour, StatusCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{}, 10)
			var calls atomic.Int32
			g := NewGraph()
			must(t, g.Add(Func{JobName: "work", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
				calls.Add(1)
				started <- struct{}{}
				select {
				case <-time.After(tt.jobTakes):
					return Stats{RowsOut: 5}, nil
				case <-ctx.Done():
					return Stats{}, context.Cause(ctx)
				}
			}}))
			r, store, _, _ := newTestRunner(t, g, nil)
			s := newTestService(t, r, tt.grace, Schedule{Name: "often", Target: "work", Cron: "* * * * * *"})
			s.Start()
			<-started
			begin := time.Now()
			must(t, s.Shutdown(context.Background()))
			took := time.Since(begin)
			if _, _, err := s.Trigger(context.Background(), Request{Target: "work", AsOf: day}); !errors.Is(err, ErrShutdown) {
				t.Errorf("Trigger after shutdown err = %v, want ErrShutdown", err)
			}
			time.Sleep(1500 * time.Millisecond) // the schedule would have fired again
			if n := calls.Load(); n != 1 {
				t.Errorf("job ran %d times, want 1: a run started after shutdown began", n)
			}
			runs := finalRuns(t, store, "work")
			if len(runs) != 1 || runs[0].Status != tt.wantStatus {
				t.Fatalf("runs = %+v, want one %s", runs, tt.wantStatus)
			}
			if tt.wantStatus == StatusCancelled && (took < tt.grace || !strings.Contains(runs[0].Error, ErrShutdown.Error())) {
				t.Errorf("cancelled after %s (grace %s), error %q", took, tt.grace, runs[0].Error)
			}
		})
	}
}

// Serve ends on SIGTERM with a graceful shutdown.
func TestServeStopsOnSIGTERMIntegration(t *testing.T) {
	// Not parallel: it signals the test process (caught by NotifyContext).
	g := NewGraph()
	must(t, g.Add(nop("noop")))
	r, store, _, _ := newTestRunner(t, g, nil)
	s := newTestService(t, r, time.Second, Schedule{Name: "often", Target: "noop", Cron: "* * * * * *"})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := &http.Server{Handler: NewAPI(APIOptions{Service: s, Store: store}), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, srv, ln) }()
	waitFor(t, 10*time.Second, "a scheduled run", func() bool { return len(finalRuns(t, store, "noop")) >= 1 })
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz while serving: %v %v", resp, err)
	}
	resp.Body.Close()
	must(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after SIGTERM")
	}
	if !s.Draining() {
		t.Error("service not shut down")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("HTTP server still answers after Serve returned")
	}
}
