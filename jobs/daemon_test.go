package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

// On a database without the schema Serve stays up: /healthz and /metrics
// answer, /readyz and the API answer 503 naming the pending migrations and
// nothing runs. Once the migrations are applied the scheduler starts (after
// OnStart, once) and scheduled runs are recorded.
func TestServeWaitsForMigrationsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t) // nothing migrated
	mig, err := migrate.New(conn, sql.Migrations(), nil)
	must(t, err)
	store, err := NewStore(conn)
	must(t, err)
	var calls, onStart atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "tick", Fn: func(context.Context, time.Time) (Stats, error) {
		calls.Add(1)
		return Stats{RowsOut: 1}, nil
	}}))
	r, err := NewRunner(Options{Graph: g, Store: store})
	must(t, err)
	ready := Readiness(conn, mig.Pending)
	s, err := NewService(ServiceOptions{
		Runner: r, Schedules: []Schedule{{Name: "often", Target: "tick", Cron: "* * * * * *"}},
		AsOf: func(time.Time) time.Time { return day }, Grace: time.Second,
		StartWhen: ready, StartPoll: 200 * time.Millisecond,
		OnStart: func(ctx context.Context) error {
			onStart.Add(1)
			_, err := r.RecoverAbandoned(ctx)
			return err
		},
	})
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := &http.Server{
		Handler:           NewAPI(APIOptions{Service: s, Store: store, Gatherer: prometheus.NewRegistry(), Ready: ready}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, srv, ln) }()

	base := "http://" + ln.Addr().String()
	call := func(method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		must(t, err)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	pending, err := mig.Pending(ctx)
	if err != nil || pending == 0 {
		t.Fatalf("Pending on an empty database = %d, %v; want every migration", pending, err)
	}
	waiting := []struct {
		method, path string
		want         int
		wantBody     string
	}{
		{"GET", "/healthz", 200, `"ok"`},
		{"GET", "/readyz", 503, "migrations pending (run memberlytics migrate)"},
		{"GET", "/metrics", 200, ""},
		{"GET", "/api/jobs", 503, fmt.Sprintf("not ready: %d migrations pending", pending)},
		{"GET", "/api/runs", 503, "migrations pending"},
		{"POST", "/api/jobs/tick/trigger", 503, "migrations pending"},
		{"GET", "/api/nothing", 404, "no such endpoint"},
	}
	for _, tt := range waiting {
		if code, body := call(tt.method, tt.path); code != tt.want || !strings.Contains(body, tt.wantBody) {
			t.Errorf("waiting for migrations: %s %s = %d %s, want %d containing %q", tt.method, tt.path, code, body, tt.want, tt.wantBody)
		}
	}
	if _, _, err := s.Trigger(context.Background(), Request{Target: "tick", AsOf: day}); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Trigger before the schema exists: err = %v, want ErrNotStarted", err)
	}
	time.Sleep(1500 * time.Millisecond) // the schedule would have fired
	if n := calls.Load(); n != 0 {
		t.Errorf("tick ran %d times before the migrations were applied", n)
	}
	if err := s.NotStarted(); !errors.Is(err, ErrNotStarted) || !strings.Contains(err.Error(), "migrations pending") {
		t.Errorf("NotStarted() = %v, want ErrNotStarted naming the pending migrations", err)
	}
	if n := onStart.Load(); n != 0 {
		t.Errorf("OnStart ran %d times before the migrations were applied", n)
	}

	if _, err := mig.Up(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "/readyz to answer 200", func() bool {
		code, _ := call("GET", "/readyz")
		return code == http.StatusOK
	})
	waitFor(t, 10*time.Second, "a scheduled run recorded", func() bool { return len(finalRuns(t, store, "tick")) >= 1 })
	if code, body := call("GET", "/api/runs?job=tick"); code != 200 || !strings.Contains(body, `"succeeded"`) {
		t.Errorf("/api/runs after start = %d %s", code, body)
	}
	if n := onStart.Load(); n != 1 {
		t.Errorf("OnStart ran %d times, want once", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// Serve ends cleanly when stopped before the schema ever appeared.
func TestServeStopsWhileWaitingIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	mig, err := migrate.New(conn, sql.Migrations(), nil)
	must(t, err)
	store, err := NewStore(conn)
	must(t, err)
	g := NewGraph()
	must(t, g.Add(nop("tick")))
	r, err := NewRunner(Options{Graph: g, Store: store})
	must(t, err)
	s, err := NewService(ServiceOptions{Runner: r, StartWhen: Readiness(conn, mig.Pending), StartPoll: 100 * time.Millisecond, Grace: time.Second})
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := &http.Server{Handler: NewAPI(APIOptions{Service: s, Store: store}), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, srv, ln) }()
	waitFor(t, 10*time.Second, "the first readiness check", func() bool {
		err := s.NotStarted()
		return err != nil && strings.Contains(err.Error(), "migrations pending")
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return while waiting for migrations")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("HTTP server still answers after Serve returned")
	}
}
