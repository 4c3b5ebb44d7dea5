package jobs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

var day = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// newTestRunner builds a Runner on a fresh migrated database.
func newTestRunner(t *testing.T, g *Graph, mod func(*Options)) (*Runner, *Store, *Metrics, warehouse.Conn) {
	t.Helper()
	conn := chtest.Migrated(t)
	store, err := NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(prometheus.NewRegistry())
	opt := Options{Graph: g, Store: store, Metrics: m, Retry: RetryPolicy{MaxAttempts: 3, Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond, Jitter: 0.5}}
	if mod != nil {
		mod(&opt)
	}
	r, err := NewRunner(opt)
	if err != nil {
		t.Fatal(err)
	}
	return r, store, m, conn
}

// flaky fails with errs in turn, then succeeds.
func flaky(name string, calls *atomic.Int32, errs ...error) Job {
	return Func{JobName: name, Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		n := int(calls.Add(1))
		if n <= len(errs) {
			return Stats{}, errs[n-1]
		}
		return Stats{RowsIn: 10, RowsOut: 7}, nil
	}}
}

func TestRunnerRetriesIntegration(t *testing.T) {
	t.Parallel()
	refused := fmt.Errorf("query: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	overloaded := &clickhouse.Exception{Code: 202, Name: "DB::Exception", Message: "Too many simultaneous queries"}
	badInput := fmt.Errorf("load orders: %w", &clickhouse.Exception{Code: 27, Name: "DB::Exception", Message: "Cannot parse input"})
	tests := []struct {
		name        string
		errs        []error
		wantStatus  Status
		wantCalls   int32
		wantErrPart string
	}{
		{"transient then success", []error{refused, overloaded}, StatusSucceeded, 3, ""},
		{"bad input is not retried", []error{badInput}, StatusFailed, 1, "permanent: load orders"},
		{"retries run out", []error{refused, refused, refused, refused}, StatusFailed, 3, "transient: query"},
		{"unknown failures are not retried", []error{errors.New("bad config: no such column")}, StatusFailed, 1, "permanent: bad config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			g := NewGraph()
			must(t, g.Add(flaky("load_orders", &calls, tt.errs...)))
			r, store, m, _ := newTestRunner(t, g, nil)
			runs, err := r.Run(context.Background(), Request{Target: "load_orders", AsOf: day, Trigger: TriggerManual})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || runs[0].Status != tt.wantStatus || calls.Load() != tt.wantCalls || runs[0].Attempt != int(tt.wantCalls) {
				t.Fatalf("runs = %+v, calls = %d; want status %s after %d calls", runs, calls.Load(), tt.wantStatus, tt.wantCalls)
			}
			if !strings.HasPrefix(runs[0].Error, tt.wantErrPart) {
				t.Errorf("error = %q, want prefix %q", runs[0].Error, tt.wantErrPart)
			}
			// The history holds the final state, once.
			got, ok, err := store.Get(context.Background(), runs[0].RunID)
			if err != nil || !ok {
				t.Fatalf("Get(%s) = %v, %v", runs[0].RunID, ok, err)
			}
			if got.Status != tt.wantStatus || got.Attempt != int(tt.wantCalls) || got.Job != "load_orders" || !got.AsOf.Equal(day) ||
				got.Trigger != TriggerManual || got.FinishedAt.IsZero() || got.Error != runs[0].Error {
				t.Errorf("stored run = %+v", got)
			}
			if tt.wantStatus == StatusSucceeded && (got.RowsIn != 10 || got.RowsOut != 7) {
				t.Errorf("stored rows in/out = %d/%d, want 10/7", got.RowsIn, got.RowsOut)
			}
			if n := testutil.ToFloat64(m.Runs.WithLabelValues("load_orders", string(tt.wantStatus))); n != 1 {
				t.Errorf("memberlytics_job_runs_total{status=%s} = %v, want 1", tt.wantStatus, n)
			}
			if n := testutil.ToFloat64(m.Attempts.WithLabelValues("load_orders")); n != float64(tt.wantCalls) {
				t.Errorf("attempts metric = %v, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestRunnerPipelineSkipsDependentsIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(flaky("load_orders", &calls, errors.New("bad file"))))
	must(t, g.Add(nop("load_members")))
	must(t, g.Add(nop("rfm"), "load_orders", "load_members"))
	must(t, g.Add(nop("cohorts"), "load_members"))
	r, store, _, _ := newTestRunner(t, g, nil)
	runs, err := r.Run(context.Background(), Request{Target: All, AsOf: day, Trigger: TriggerSchedule})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"load_orders": StatusFailed, "load_members": StatusSucceeded, "rfm": StatusSkipped, "cohorts": StatusSucceeded}
	batch := runs[0].BatchID
	for _, run := range runs {
		if run.Status != want[run.Job] || run.BatchID != batch {
			t.Errorf("%s: status %s batch %s, want %s batch %s", run.Job, run.Status, run.BatchID, want[run.Job], batch)
		}
	}
	stored, err := store.List(context.Background(), Filter{Job: "rfm"})
	if err != nil || len(stored) != 1 || stored[0].Status != StatusSkipped || !strings.Contains(stored[0].Error, "load_orders failed") {
		t.Errorf("stored rfm runs = %+v, %v", stored, err)
	}
}

func TestRunnerTimeoutIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "slow", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		calls.Add(1)
		<-ctx.Done()
		return Stats{}, ctx.Err()
	}}))
	r, _, _, _ := newTestRunner(t, g, func(o *Options) { o.Timeouts = map[string]time.Duration{"slow": 200 * time.Millisecond} })
	start := time.Now()
	runs, err := r.Run(context.Background(), Request{Target: "slow", AsOf: day, Trigger: TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].Status != StatusFailed || !strings.Contains(runs[0].Error, ErrTimeout.Error()) || calls.Load() != 1 {
		t.Errorf("run = %+v after %d calls, want failed with a timeout, not retried", runs[0], calls.Load())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s, the timeout is 200ms", d)
	}
}

func TestRunnerCancelRecordsCancelledIntegration(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	g := NewGraph()
	must(t, g.Add(Func{JobName: "long", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		close(started)
		<-ctx.Done()
		return Stats{}, context.Cause(ctx)
	}}))
	must(t, g.Add(nop("after"), "long"))
	r, store, _, _ := newTestRunner(t, g, nil)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() { <-started; cancel(ErrShutdown) }()
	runs, err := r.Run(ctx, Request{Target: All, AsOf: day, Trigger: TriggerManual})
	if !errors.Is(err, ErrShutdown) {
		t.Errorf("Run err = %v, want ErrShutdown", err)
	}
	if len(runs) != 1 || runs[0].Status != StatusCancelled {
		t.Fatalf("runs = %+v, want one cancelled run and nothing started after it", runs)
	}
	stored, _, err := store.Get(context.Background(), runs[0].RunID)
	if err != nil || stored.Status != StatusCancelled || !strings.Contains(stored.Error, "shutting down") {
		t.Errorf("stored = %+v, %v", stored, err)
	}
}

func TestRunnerRefusesOverlap(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{})
	g := NewGraph()
	must(t, g.Add(Func{JobName: "hold", Fn: func(context.Context, time.Time) (Stats, error) {
		close(started)
		<-release
		return Stats{}, nil
	}}))
	r, err := NewRunner(Options{Graph: g, Store: &memStore{}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := r.Run(context.Background(), Request{Target: "hold", AsOf: day, Trigger: TriggerSchedule})
		done <- err
	}()
	<-started
	if !r.Busy("hold") || !r.Busy(All) {
		t.Error("Busy = false while the job runs")
	}
	if _, err := r.Run(context.Background(), Request{Target: All, AsOf: day, Trigger: TriggerManual}); !errors.Is(err, ErrBusy) {
		t.Errorf("second Run err = %v, want ErrBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r.Busy("hold") {
		t.Error("Busy after the run ended")
	}
}

// Abandoned-run recovery: a child process (this test binary) starts a run
// that never ends and is killed with SIGKILL; the next runner marks the run
// abandoned.
const childEnv = "MEMBERLYTICS_JOBS_TEST_CHILD"

func childMain() int {
	addr, db, _ := strings.Cut(os.Getenv(childEnv), "/")
	cfg := config.Default().ClickHouse
	cfg.Addr, cfg.Database = addr, db
	ctx := context.Background()
	conn, err := warehouse.Open(ctx, cfg, warehouse.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	store, _ := NewStore(conn)
	g := NewGraph()
	_ = g.Add(Func{JobName: "stuck", Fn: func(ctx context.Context, _ time.Time) (Stats, error) {
		select {} // until killed
	}})
	r, err := NewRunner(Options{Graph: g, Store: store})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, err = r.Run(ctx, Request{Target: "stuck", AsOf: day, Trigger: TriggerSchedule})
	fmt.Fprintln(os.Stderr, "run returned:", err)
	return 3
}

func TestAbandonedRunRecoveryIntegration(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	must(t, g.Add(nop("stuck")))
	r, store, m, conn := newTestRunner(t, g, nil)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+chtest.Server(t).Addr()+"/"+conn.Database())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var running []Run
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if running, err = store.List(ctx, Filter{Job: "stuck", Status: StatusRunning}); err != nil {
			t.Fatal(err)
		}
		if len(running) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(running) != 1 || running[0].Owner != fmt.Sprintf("%s:%d", hostname(), cmd.Process.Pid) {
		_ = cmd.Process.Kill()
		t.Fatalf("child's running run = %+v, want one owned by pid %d", running, cmd.Process.Pid)
	}
	// While the child lives, its run is not abandoned.
	if got, err := r.RecoverAbandoned(ctx); err != nil || len(got) != 0 {
		t.Fatalf("RecoverAbandoned with the owner alive = %+v, %v; want nothing", got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reap it, or it lingers as a zombie that kill(pid, 0) still finds
	got, err := r.RecoverAbandoned(ctx)
	if err != nil || len(got) != 1 || got[0].RunID != running[0].RunID {
		t.Fatalf("RecoverAbandoned = %+v, %v; want the child's run", got, err)
	}
	after, _, err := store.Get(ctx, running[0].RunID)
	if err != nil || after.Status != StatusAbandoned || after.FinishedAt.IsZero() || !strings.Contains(after.Error, "is gone") {
		t.Errorf("stored run after recovery = %+v, %v", after, err)
	}
	if n := testutil.ToFloat64(m.Runs.WithLabelValues("stuck", "abandoned")); n != 1 {
		t.Errorf("abandoned counter = %v, want 1", n)
	}
	// Recovery is idempotent.
	if again, err := r.RecoverAbandoned(ctx); err != nil || len(again) != 0 {
		t.Errorf("second RecoverAbandoned = %+v, %v; want nothing", again, err)
	}
}

func hostname() string { h, _ := os.Hostname(); return h }

// Request.Progress hears each job of the plan start and end, in order,
// with its place in the plan; a skipped job too.
func TestRunProgressIntegration(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	must(t, g.Add(Func{JobName: "a", Fn: func(context.Context, time.Time) (Stats, error) { return Stats{}, Permanent(errors.New("boom")) }}))
	must(t, g.Add(nop("b"), "a"))
	r, _, _, _ := newTestRunner(t, g, nil)
	var heard []string
	_, err := r.Run(context.Background(), Request{Target: All, AsOf: day, Trigger: TriggerManual, Progress: func(i, n int, run Run) {
		heard = append(heard, fmt.Sprintf("%d/%d %s %s", i, n, run.Job, run.Status))
	}})
	must(t, err)
	if got, want := strings.Join(heard, ", "), "0/2 a running, 0/2 a failed, 1/2 b running, 1/2 b skipped"; got != want {
		t.Errorf("progress = %s, want %s", got, want)
	}
}
