package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

func TestCheckListen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"10.0.0.5:8080", "", false},
		{"0.0.0.0:8080", "0123456789abcdef", true},
		{"0.0.0.0:8080", "s3cret", false},
		{"127.0.0.1:8080", "s3cret", true},
		{"no-port", "0123456789abcdef", false},
	}
	for _, tt := range tests {
		err := CheckListen(tt.addr, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, token=%v) = %v, want ok=%v", tt.addr, tt.token != "", err, tt.ok)
		}
		want := ErrInsecureListen
		if tt.token != "" {
			want = ErrWeakToken
		}
		if !tt.ok && tt.addr != "no-port" && !errors.Is(err, want) {
			t.Errorf("CheckListen(%q) = %v, want %v", tt.addr, err, want)
		}
	}
}

type apiFixture struct {
	srv   *httptest.Server
	store *Store
	reg   *prometheus.Registry
}

func (f apiFixture) do(t *testing.T, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	must(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, out, resp.Header
}

func newAPIFixture(t *testing.T, ready func(context.Context) error) apiFixture {
	t.Helper()
	g := NewGraph()
	must(t, g.Add(nop("load_orders")))
	must(t, g.Add(Func{JobName: "rfm", Fn: func(context.Context, time.Time) (Stats, error) {
		return Stats{RowsIn: 3, RowsOut: 3}, nil
	}}, "load_orders"))
	must(t, g.Pipeline("nightly", "rfm"))
	reg := prometheus.NewRegistry()
	var store *Store
	r, store, _, wh := newTestRunner(t, g, func(o *Options) { o.Metrics = NewMetrics(reg) })
	rec, err := NewRecordMetrics(wh, RecordOptions{TTL: -1})
	must(t, err)
	reg.MustRegister(rec)
	s := newTestService(t, r, time.Second, Schedule{Name: "nightly", Target: "nightly", Cron: "0 3 * * *", Location: mustLoc(t, "Europe/Berlin")})
	s.Start()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<h1>report "+r.URL.Path+"</h1>")
	})
	srv := httptest.NewServer(NewAPI(APIOptions{Service: s, Store: store, Gatherer: reg, Token: "s3cret", Ready: ready, Pages: pages}))
	t.Cleanup(srv.Close)
	return apiFixture{srv: srv, store: store, reg: reg}
}

// scrape reads one sample from /metrics (0 when absent).
func scrape(t *testing.T, f apiFixture, name string, labels map[string]string) float64 {
	t.Helper()
	resp, err := http.Get(f.srv.URL + "/metrics")
	must(t, err)
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	must(t, err)
	fam, ok := fams[name]
	if !ok {
		return 0
	}
next:
	for _, m := range fam.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func TestAPIIntegration(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, nil)
	const tok = "s3cret"
	tests := []struct {
		name, method, path, token, body string
		want                            int
		wantErr                         string
	}{
		{"healthz needs no token", "GET", "/healthz", "", "", 200, ""},
		{"readyz", "GET", "/readyz", "", "", 200, ""},
		{"no token", "GET", "/api/jobs", "", "", 401, "missing bearer token"},
		{"wrong token", "GET", "/api/jobs", "nope", "", 403, "invalid token"},
		{"unknown api route without token", "GET", "/api/nothing", "", "", 401, "missing bearer token"},
		{"unknown api route", "GET", "/api/nothing", tok, "", 404, "no such endpoint"},
		{"trigger with GET", "GET", "/api/jobs/rfm/trigger", tok, "", 405, "needs POST"},
		{"trigger unknown job", "POST", "/api/jobs/nope/trigger", tok, "", 404, "unknown job"},
		{"trigger bad date", "POST", "/api/jobs/rfm/trigger", tok, `{"as_of": "20-11-2026"}`, 400, "YYYY-MM-DD"},
		{"trigger bad body", "POST", "/api/jobs/rfm/trigger", tok, `{"asof": "2026-11-20"}`, 400, "JSON object"},
		{"runs bad limit", "GET", "/api/runs?limit=-3", tok, "", 400, "limit"},
		{"runs bad status", "GET", "/api/runs?status=great", tok, "", 400, "status must be"},
		{"runs unknown job", "GET", "/api/runs?job=nope", tok, "", 404, "unknown job"},
		{"run not found", "GET", "/api/runs/nope", tok, "", 404, "no run"},
		{"report page without token", "GET", "/", "", "", 401, "missing bearer token"},
		{"report page", "GET", "/runs", tok, "", 200, ""},
	}
	for _, tt := range tests {
		code, body, hdr := f.do(t, tt.method, tt.path, tt.token, tt.body)
		if code != tt.want {
			t.Errorf("%s: %s %s = %d %v, want %d", tt.name, tt.method, tt.path, code, body, tt.want)
			continue
		}
		if tt.wantErr != "" {
			if msg, _ := body["error"].(string); !strings.Contains(msg, tt.wantErr) || body["status"] != float64(tt.want) {
				t.Errorf("%s: body = %v, want error containing %q", tt.name, body, tt.wantErr)
			}
		}
		if code == 401 && hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.name)
		}
	}

	// Trigger a pipeline and watch the runs and the metrics move.
	before := scrape(t, f, "memberlytics_job_runs_total", map[string]string{LabelJob: "rfm", "status": "succeeded"})
	code, body, _ := f.do(t, "POST", "/api/jobs/nightly/trigger", tok, `{"as_of": "2026-11-19"}`)
	if code != http.StatusAccepted || body["as_of"] != "2026-11-19" || body["batch_id"] == "" {
		t.Fatalf("trigger = %d %v", code, body)
	}
	runsURL, _ := body["runs"].(string)
	var runs []any
	waitFor(t, 10*time.Second, "the triggered runs", func() bool {
		_, b, _ := f.do(t, "GET", runsURL, tok, "")
		runs, _ = b["runs"].([]any)
		if len(runs) != 2 {
			return false
		}
		for _, r := range runs {
			if r.(map[string]any)["status"] != "succeeded" {
				return false
			}
		}
		return true
	})
	first := runs[0].(map[string]any)
	if first["job"] != "rfm" || first["as_of"] != "2026-11-19" || first["trigger"] != "manual" {
		t.Errorf("newest run = %v", first)
	}
	if after := scrape(t, f, "memberlytics_job_runs_total", map[string]string{LabelJob: "rfm", "status": "succeeded"}); after != before+1 {
		t.Errorf("memberlytics_job_runs_total{job_name=rfm,status=succeeded}: %v -> %v, want +1", before, after)
	}
	if ts := scrape(t, f, "memberlytics_job_last_success_timestamp_seconds", map[string]string{LabelJob: "rfm"}); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last success timestamp = %v, want about now", ts)
	}
	if n := scrape(t, f, "memberlytics_job_duration_seconds", map[string]string{LabelJob: "load_orders"}); n != 1 {
		t.Errorf("duration histogram count for load_orders = %v, want 1", n)
	}
	id, _ := first["run_id"].(string)
	if code, one, _ := f.do(t, "GET", "/api/runs/"+id, tok, ""); code != 200 || one["run_id"] != id {
		t.Errorf("GET /api/runs/%s = %d %v", id, code, one)
	}

	// /api/jobs: schedule, next run and last status.
	code, body, _ = f.do(t, "GET", "/api/jobs", tok, "")
	if code != 200 {
		t.Fatalf("/api/jobs = %d %v", code, body)
	}
	jobs, _ := body["jobs"].([]any)
	if len(jobs) != 2 {
		t.Fatalf("jobs = %v", body["jobs"])
	}
	rfm := jobs[1].(map[string]any)
	last, _ := rfm["last_run"].(map[string]any)
	if rfm["name"] != "rfm" || last["status"] != "succeeded" || rfm["next_run"] == nil || len(rfm["schedules"].([]any)) != 1 {
		t.Errorf("rfm in /api/jobs = %v", rfm)
	}
	next, err := time.Parse(time.RFC3339, rfm["next_run"].(string))
	if err != nil || next.Before(time.Now()) || next.After(time.Now().Add(25*time.Hour)) {
		t.Errorf("next_run = %v (%v), want within a day", rfm["next_run"], err)
	}
	if loc := mustLoc(t, "Europe/Berlin"); next.In(loc).Hour() != 3 {
		t.Errorf("next_run %s is not 03:00 in Berlin", next)
	}
}

func TestReadyzIntegration(t *testing.T) {
	t.Parallel()
	pendingOn := func(conn warehouse.Conn) func(context.Context) error {
		m, err := migrate.New(conn, sql.Migrations(), nil)
		must(t, err)
		return Readiness(conn, m.Pending)
	}
	fresh := chtest.NewDB(t) // nothing migrated
	f := newAPIFixture(t, pendingOn(fresh))
	code, body, _ := f.do(t, "GET", "/readyz", "", "")
	if msg, _ := body["error"].(string); code != 503 || !strings.Contains(msg, "migrations pending") {
		t.Errorf("readyz on an unmigrated database = %d %v, want 503 naming pending migrations", code, body)
	}
	migrated := chtest.Migrated(t)
	f2 := newAPIFixture(t, pendingOn(migrated))
	if code, body, _ := f2.do(t, "GET", "/readyz", "", ""); code != 200 {
		t.Errorf("readyz on a migrated database = %d %v", code, body)
	}
}
