package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// asOfNow is "now" for the as_of tests: 2026-12-04 in the business zone,
// nine days after the newest paid order seed loads (2026-11-25).
var asOfNow = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func TestCheckDateRange(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		date string
		ok   bool
	}{
		{"0001-01-01", false}, {"1969-12-31", false}, {"1970-01-01", false},
		{"1970-01-02", true}, {"2026-11-20", true}, {"2105-12-31", true},
		{"2106-01-01", false}, {"2149-06-06", false},
	} {
		d, _ := asof.Parse(tt.date)
		err := CheckDateRange(d)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDateRange(%s) = %v, want ok %v", tt.date, err, tt.ok)
		}
		if err != nil && (!errors.Is(err, ErrAsOfOutsideDates) || !strings.Contains(err.Error(), tt.date)) {
			t.Errorf("CheckDateRange(%s) = %v, want ErrAsOfOutsideDates naming the date", tt.date, err)
		}
	}
}

// TestDataRangeCheck is the rule itself, on a known range.
func TestDataRangeCheck(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { v, _ := asof.Parse(s); return v }
	dr := DataRange{First: d("2026-11-01"), Last: d("2026-11-25"), Loaded: true}
	today := d("2026-12-04")
	for _, tt := range []struct {
		name       string
		dr         DataRange
		asOf       string
		defaulted  bool
		allowEmpty bool
		want       []string // substrings; nil means allowed
	}{
		{"inside", dr, "2026-11-20", false, false, nil},
		{"first day", dr, "2026-11-01", false, false, nil},
		{"newest day", dr, "2026-11-25", false, false, nil},
		{"after the data", dr, "2026-11-30", false, false, []string{"2026-11-30", "after the newest data", "2026-11-25"}},
		{"in the future", dr, "2030-01-01", false, false, []string{"2030-01-01", "in the future", "2026-12-04", "2026-11-25"}},
		{"before the data", dr, "2026-10-01", false, false, []string{"2026-10-01", "before the first data", "2026-11-01", "2026-11-25"}},
		{"default after the data", dr, "2026-12-03", true, false, []string{"no paid order or event after 2026-11-25 (newest data); yesterday 2026-12-03 would publish empty outputs"}},
		{"nothing loaded", DataRange{}, "2026-11-20", false, false, []string{"2026-11-20", "no paid order or event is loaded"}},
		{"allowed empty", dr, "2030-01-01", false, true, nil},
		{"allowed empty, nothing loaded", DataRange{}, "2026-11-20", false, true, nil},
	} {
		err := tt.dr.Check(d(tt.asOf), today, tt.defaulted, tt.allowEmpty)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: Check = %v, want nil", tt.name, err)
			}
			continue
		}
		var ae *AsOfError
		if !errors.Is(err, ErrAsOfOutsideData) || !errors.As(err, &ae) {
			t.Errorf("%s: Check = %v, want an *AsOfError wrapping ErrAsOfOutsideData", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Check = %q, want it to contain %q", tt.name, err, w)
			}
		}
	}
}

// guarded is a runner whose AsOfGuard reads seed's data (paid orders from
// 2026-11-01 to 2026-11-25) with "now" at asOfNow.
func guarded(t *testing.T, g *Graph) (*Runner, *Store, warehouse.Conn) {
	t.Helper()
	conn := chtest.Migrated(t)
	seed(t, conn)
	store, err := NewStore(conn)
	must(t, err)
	guard, err := NewAsOfGuard(conn, time.UTC, func() time.Time { return asOfNow })
	must(t, err)
	r, err := NewRunner(Options{Graph: g, Store: store, Guard: guard, Metrics: NewMetrics(prometheus.NewRegistry())})
	must(t, err)
	return r, store, conn
}

func TestAsOfGuardDataRangeIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Conn)
			guard, err := NewAsOfGuard(e.Conn, time.UTC, func() time.Time { return asOfNow })
			must(t, err)
			dr, err := guard.DataRange(context.Background())
			must(t, err)
			if !dr.Loaded || dr.First.Format(asof.Layout) != "2026-11-01" || dr.Last.Format(asof.Layout) != "2026-11-25" {
				t.Errorf("DataRange = %+v, want paid orders from 2026-11-01 to 2026-11-25", dr)
			}
		})
	}
}

// The breaks of the API trigger: 0001-01-01 ran for yesterday, 1969-12-31
// and 2149-06-06 were stored as 1970-01-01, and dates after the data ran.
func TestTriggerAsOfIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "rfm", Fn: func(context.Context, time.Time) (Stats, error) { calls.Add(1); return Stats{}, nil }}))
	r, store, _ := guarded(t, g)
	s, err := NewService(ServiceOptions{Runner: r, AsOf: func(time.Time) time.Time { return asOfNow.AddDate(0, 0, -1) }})
	must(t, err)
	s.Start()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	srv := httptest.NewServer(NewAPI(APIOptions{Service: s, Store: store, Gatherer: prometheus.NewRegistry()}))
	t.Cleanup(srv.Close)
	f := apiFixture{srv: srv, store: store}
	for _, tt := range []struct {
		name, body string
		want       int
		wantErr    string
	}{
		{"year one", `{"as_of": "0001-01-01"}`, 400, "0001-01-01 is outside the dates ClickHouse can store"},
		{"before 1970", `{"as_of": "1969-12-31"}`, 400, "1969-12-31 is outside the dates"},
		{"after the Date range", `{"as_of": "2149-06-06"}`, 400, "2149-06-06 is outside the dates"},
		{"Date range even with allow_empty", `{"as_of": "1969-12-31", "allow_empty": true}`, 400, "outside the dates"},
		{"future", `{"as_of": "2030-01-01"}`, 400, "newest paid order or event is 2026-11-25"},
		{"after the data", `{"as_of": "2026-11-30"}`, 400, "2026-11-25"},
		{"before the data", `{"as_of": "2026-10-01"}`, 400, "2026-11-01"},
		{"default date beyond the data", ``, 400, "yesterday 2026-12-03 would publish empty outputs"},
	} {
		code, body, _ := f.do(t, "POST", "/api/jobs/rfm/trigger", "", tt.body)
		msg, _ := body["error"].(string)
		if code != tt.want || !strings.Contains(msg, tt.wantErr) {
			t.Errorf("%s: trigger %s = %d %v, want %d with %q", tt.name, tt.body, code, body, tt.want, tt.wantErr)
		}
		if code == 400 && !strings.Contains(msg, "allow_empty") && !strings.Contains(msg, "outside the dates") {
			t.Errorf("%s: %q does not say how to override", tt.name, msg)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("refused triggers ran the job %d times", n)
	}
	for _, body := range []string{`{"as_of": "2026-11-20"}`, `{"as_of": "2026-11-30", "allow_empty": true}`} {
		code, b, _ := f.do(t, "POST", "/api/jobs/rfm/trigger", "", body)
		if code != http.StatusAccepted {
			t.Fatalf("trigger %s = %d %v, want 202", body, code, b)
		}
		batch, _ := b["batch_id"].(string)
		// The history says succeeded a moment before the Runner releases
		// the job; the next trigger waits for both (it would get 409).
		waitFor(t, 10*time.Second, "the triggered run", func() bool {
			rs, err := store.List(context.Background(), Filter{BatchID: batch})
			return err == nil && len(rs) == 1 && rs[0].Status == StatusSucceeded && !r.Running()["rfm"]
		})
	}
}

// A scheduled fire whose default date (yesterday) is beyond the data is
// recorded as skipped with the reason, and runs nothing; once the data
// reaches the date, the same schedule runs.
func TestScheduleSkipsBeyondDataIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "rfm", Fn: func(context.Context, time.Time) (Stats, error) { calls.Add(1); return Stats{}, nil }}))
	must(t, g.Add(nop("export"), "rfm"))
	r, store, _ := guarded(t, g)
	yesterday := asOfNow.AddDate(0, 0, -1)
	asOf := &atomic.Pointer[time.Time]{}
	asOf.Store(&yesterday)
	s, err := NewService(ServiceOptions{Runner: r, AsOf: func(time.Time) time.Time { return *asOf.Load() },
		Schedules: []Schedule{{Name: "nightly", Target: "all", Cron: "0 3 * * *"}}})
	must(t, err)
	s.Start()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })

	s.fire(s.Schedules()[0])
	if n := calls.Load(); n != 0 {
		t.Fatalf("a fire beyond the data ran rfm %d times", n)
	}
	for _, job := range []string{"rfm", "export"} {
		rs, err := store.List(context.Background(), Filter{Job: job})
		must(t, err)
		if len(rs) != 1 || rs[0].Status != StatusSkipped || rs[0].Trigger != TriggerSchedule || rs[0].AsOf.Format(asof.Layout) != "2026-12-03" ||
			!strings.Contains(rs[0].Error, "no paid order or event after 2026-11-25 (newest data); yesterday 2026-12-03 would publish empty outputs") {
			t.Errorf("runs of %s after a fire beyond the data = %+v, want one skipped run with the reason", job, rs)
		}
	}

	inside := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	asOf.Store(&inside)
	s.fire(s.Schedules()[0])
	if n := calls.Load(); n != 1 {
		t.Errorf("a fire inside the data ran rfm %d times, want 1", n)
	}
}

// A catch-up at start for a date beyond the data is what a scheduled fire
// for it is: the jobs are recorded skipped with the reason, nothing runs,
// and the log says so at warn level, never as an ERROR.
func TestCatchUpSkipsBeyondDataIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	must(t, g.Add(Func{JobName: "rfm", Fn: func(context.Context, time.Time) (Stats, error) { calls.Add(1); return Stats{}, nil }}))
	must(t, g.Add(nop("export"), "rfm"))
	r, store, _ := guarded(t, g)
	var logs bytes.Buffer
	var logMu sync.Mutex
	s, err := NewService(ServiceOptions{Runner: r, AsOf: func(time.Time) time.Time { return asOfNow.AddDate(0, 0, -1) },
		Schedules: []Schedule{{Name: "nightly", Target: "all", Cron: "0 3 * * *"}}, CatchUp: 48 * time.Hour, SweepEvery: -1,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logs}, nil))})
	must(t, err)
	s.Start()
	must(t, s.Shutdown(context.Background())) // waits for the catch-up
	if n := calls.Load(); n != 0 {
		t.Errorf("a catch-up beyond the data ran rfm %d times", n)
	}
	for _, job := range []string{"rfm", "export"} {
		rs, err := store.List(context.Background(), Filter{Job: job})
		must(t, err)
		if len(rs) != 1 || rs[0].Status != StatusSkipped || rs[0].Trigger != TriggerSchedule || rs[0].AsOf.Format(asof.Layout) != "2026-12-03" ||
			!strings.Contains(rs[0].Error, "no paid order or event after 2026-11-25") {
			t.Errorf("runs of %s after a catch-up beyond the data = %+v, want one skipped run with the reason", job, rs)
		}
	}
	logMu.Lock()
	defer logMu.Unlock()
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a catch-up beyond the data logged an error:\n%s", logs.String())
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loadThen is a load job (LoadsData) that loads a paid order at at.
type loadThen struct {
	conn warehouse.Conn
	at   time.Time
}

func (l loadThen) Name() string    { return "load_orders" }
func (l loadThen) LoadsData() bool { return true }
func (l loadThen) Run(ctx context.Context, _ time.Time) (Stats, error) {
	b, err := l.conn.PrepareBatch(ctx, `INSERT INTO orders (order_id, member_id, ordered_at, status, updated_at, file_id, loaded_at)`)
	if err != nil {
		return Stats{}, err
	}
	if err := b.Append("late", "m1", l.at, "paid", l.at, "f2", l.at); err != nil {
		return Stats{}, err
	}
	return Stats{}, b.Send()
}

// The data rule is checked after the load jobs of a request, so a nightly
// "all" that loads yesterday's orders runs yesterday's models; what is
// still beyond the data after the loads is skipped with the reason.
func TestRunChecksAsOfAfterLoadsIntegration(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	g := NewGraph()
	r, store, conn := guarded(t, g)
	must(t, g.Add(loadThen{conn: conn, at: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}))
	must(t, g.Add(Func{JobName: "rfm", Fn: func(context.Context, time.Time) (Stats, error) { calls.Add(1); return Stats{}, nil }}, "load_orders"))
	ctx := context.Background()
	yesterday := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if err := r.CheckAsOf(ctx, Request{Target: All, AsOf: yesterday}); err != nil {
		t.Errorf("CheckAsOf before loads refused %s: %v (the loads may bring it)", yesterday.Format(asof.Layout), err)
	}
	if err := r.CheckAsOf(ctx, Request{Target: "rfm", AsOf: yesterday}); !errors.Is(err, ErrAsOfOutsideData) {
		t.Errorf("CheckAsOf of rfm alone = %v, want ErrAsOfOutsideData", err)
	}
	runs, err := r.Run(ctx, Request{Target: All, AsOf: yesterday, Trigger: TriggerSchedule, DefaultAsOf: true})
	if err != nil || len(runs) != 2 || runs[1].Status != StatusSucceeded || calls.Load() != 1 {
		t.Fatalf("run all for the loaded day: %v %+v", err, runs)
	}
	today := yesterday.AddDate(0, 0, 1)
	runs, err = r.Run(ctx, Request{Target: All, AsOf: today, Trigger: TriggerManual})
	if !errors.Is(err, ErrAsOfOutsideData) || len(runs) != 2 || runs[0].Status != StatusSucceeded || runs[1].Status != StatusSkipped ||
		!strings.Contains(runs[1].Error, "after the newest data") || calls.Load() != 1 {
		t.Errorf("run all beyond the data after loads: err %v, runs %+v", err, runs)
	}
	rs, err := store.List(ctx, Filter{Job: "rfm", Status: StatusSkipped})
	must(t, err)
	if len(rs) != 1 {
		t.Errorf("skipped rfm runs = %+v, want the one beyond the data", rs)
	}
}

// Runs recorded before the Date rule with an as_of ClickHouse stored as
// 1970-01-01 (1969-12-31, 2149-06-06 sent by the API) are listed again.
func TestListShowsRunsOfEveryStoredDateIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	store, err := NewStore(conn)
	must(t, err)
	ctx := context.Background()
	for i, d := range []time.Time{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2149, 6, 1, 0, 0, 0, 0, time.UTC)} {
		must(t, store.Write(ctx, Run{RunID: fmt.Sprint("old-", i), BatchID: "b", Job: "rfm", AsOf: d, Trigger: TriggerManual,
			Status: StatusFailed, Attempt: 1, StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC(), Owner: "x"}))
	}
	rs, err := store.List(ctx, Filter{})
	must(t, err)
	if len(rs) != 2 {
		t.Errorf("List = %+v, want both old runs", rs)
	}
}
