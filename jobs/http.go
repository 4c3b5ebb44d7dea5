package jobs

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ErrInsecureListen is returned when the API would listen beyond loopback
// without a token.
var ErrInsecureListen = errors.New("refusing to listen on a non-loopback address without an API token (set server.token, server.token_file or MEMBERLYTICS_SERVER_TOKEN)")

// ErrWeakToken is returned when the API would listen beyond loopback with
// a token shorter than MinTokenLength.
var ErrWeakToken = fmt.Errorf("refusing to listen on a non-loopback address with an API token shorter than %d characters", MinTokenLength)

// MinTokenLength is the shortest API token accepted beyond loopback (the
// configuration refuses shorter ones too).
const MinTokenLength = 16

// APIOptions configure the HTTP API.
type APIOptions struct {
	Service *Service
	Store   RunStore
	// Gatherer serves /metrics: the application's own registry.
	Gatherer prometheus.Gatherer
	// Token, when set, is required as "Authorization: Bearer TOKEN" on /api/.
	Token string
	// Ready reports whether the service can work (ClickHouse reachable,
	// migrations current); nil means always ready. /readyz also fails
	// while Service has not started (see ServiceOptions.StartWhen), and
	// the API and Pages answer 503 until it has.
	Ready func(ctx context.Context) error
	// Pages, when set, serves every other GET path (the HTML report at /
	// and /runs), behind the same token as /api/.
	Pages  http.Handler
	Logger *slog.Logger
	// RequestTimeout bounds every request (server.request_timeout): past
	// it the answer is 503 and the request's context is cancelled, which
	// cancels its ClickHouse queries. 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is the request deadline when none is configured.
const DefaultRequestTimeout = 30 * time.Second

// CheckListen refuses a non-loopback listen address when token is empty
// or shorter than MinTokenLength.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	switch {
	case token == "":
		return fmt.Errorf("listen on %q: %w", addr, ErrInsecureListen)
	case len(token) < MinTokenLength:
		return fmt.Errorf("listen on %q: %w", addr, ErrWeakToken)
	}
	return nil
}

// NewAPI returns the HTTP handler: /healthz, /readyz, /metrics, the /api/
// endpoints and, when set, the HTML pages at every other path. Every
// request has opt.RequestTimeout (see APIOptions).
func NewAPI(opt APIOptions) http.Handler {
	timeout := opt.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	th := http.TimeoutHandler(apiHandler(opt, timeout), timeout, timeoutAnswer(timeout))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The timeout answer's type; a handler that answers sets its own.
		w.Header().Set("Content-Type", "application/json")
		th.ServeHTTP(w, r)
	})
}

func newMux(opt APIOptions) http.Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	a := &api{opt: opt}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", method(http.MethodGet, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	mux.HandleFunc("/readyz", method(http.MethodGet, a.ready))
	mux.Handle("/metrics", promhttp.HandlerFor(opt.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("/api/jobs", a.auth(a.started(method(http.MethodGet, a.jobs))))
	mux.HandleFunc("/api/runs", a.auth(a.started(method(http.MethodGet, a.runs))))
	mux.HandleFunc("/api/runs/{id}", a.auth(a.started(method(http.MethodGet, a.run))))
	mux.HandleFunc("/api/jobs/{name}/trigger", a.auth(a.started(method(http.MethodPost, a.trigger))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			a.auth(notFound)(w, r) // no hints about routes before authentication
		case opt.Pages != nil:
			a.auth(a.started(opt.Pages.ServeHTTP))(w, r)
		default:
			notFound(w, r)
		}
	})
	return mux
}

type api struct{ opt APIOptions }

// apiError is the body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...), Status: status})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no such endpoint: %s", r.URL.Path)
}

func method(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m && !(m == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, "%s needs %s, got %s", r.URL.Path, m, r.Method)
			return
		}
		h(w, r)
	}
}

// auth requires the bearer token when one is configured: no or malformed
// credentials get 401, a wrong token 403.
func (a *api) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.opt.Token == "" {
			h(w, r)
			return
		}
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="memberlytics"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		if subtle.ConstantTimeCompare([]byte(tok), []byte(a.opt.Token)) != 1 {
			writeError(w, http.StatusForbidden, "invalid token")
			return
		}
		h(w, r)
	}
}

// started answers 503 with the reason while the service has not started
// (it waits for the schema): the run history and the report need it.
func (a *api) started(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.opt.Service != nil && a.opt.Service.NotStarted() != nil {
			if err := a.notReady(r.Context()); err != nil {
				writeError(w, http.StatusServiceUnavailable, "not ready: %v", err)
				return
			}
		}
		h(w, r)
	}
}

// notReady says why the service cannot work: Ready's error or, before the
// service started, why it has not.
func (a *api) notReady(ctx context.Context) error {
	if a.opt.Ready != nil {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := a.opt.Ready(ctx); err != nil {
			return err
		}
	}
	if a.opt.Service != nil {
		return a.opt.Service.NotStarted()
	}
	return nil
}

func (a *api) ready(w http.ResponseWriter, r *http.Request) {
	if a.opt.Service != nil && a.opt.Service.Draining() {
		writeError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	if err := a.notReady(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "not ready: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// JobInfo is one job in GET /api/jobs.
type JobInfo struct {
	Name      string   `json:"name"`
	DependsOn []string `json:"depends_on"`
	Running   bool     `json:"running"`
	// Schedules are the schedules whose target runs this job.
	Schedules []string `json:"schedules"`
	// NextRun is the soonest time one of them fires.
	NextRun *time.Time `json:"next_run,omitempty"`
	LastRun *Run       `json:"last_run,omitempty"`
}

// ScheduleInfo is one schedule in GET /api/jobs.
type ScheduleInfo struct {
	Name     string     `json:"name"`
	Target   string     `json:"target"`
	Cron     string     `json:"cron"`
	Timezone string     `json:"timezone"`
	NextRun  *time.Time `json:"next_run,omitempty"`
}

func (a *api) jobs(w http.ResponseWriter, r *http.Request) {
	svc := a.opt.Service
	g := svc.Runner().Graph()
	running := svc.Runner().Running()
	var scheds []ScheduleInfo
	byJob := map[string][]ScheduleInfo{}
	for _, sc := range svc.Schedules() {
		name := sc.Name
		if name == "" {
			name = sc.Target
		}
		info := ScheduleInfo{Name: name, Target: sc.Target, Cron: sc.Cron, Timezone: sc.location().String()}
		if t, ok := svc.NextRun(name); ok {
			t = t.UTC()
			info.NextRun = &t
		}
		scheds = append(scheds, info)
		plan, _ := g.Plan(sc.Target)
		for _, j := range plan {
			byJob[j] = append(byJob[j], info)
		}
	}
	out := struct {
		Jobs      []JobInfo           `json:"jobs"`
		Pipelines map[string][]string `json:"pipelines"`
		Schedules []ScheduleInfo      `json:"schedules"`
	}{Pipelines: map[string][]string{}, Schedules: scheds}
	for _, p := range g.Pipelines() {
		out.Pipelines[p] = g.PipelineJobs(p)
	}
	for _, name := range g.Jobs() {
		info := JobInfo{Name: name, DependsOn: g.Deps(name), Running: running[name], Schedules: []string{}}
		if info.DependsOn == nil {
			info.DependsOn = []string{}
		}
		for _, sc := range byJob[name] {
			info.Schedules = append(info.Schedules, sc.Name)
			if sc.NextRun != nil && (info.NextRun == nil || sc.NextRun.Before(*info.NextRun)) {
				info.NextRun = sc.NextRun
			}
		}
		last, err := a.opt.Store.List(r.Context(), Filter{Job: name, Limit: 1})
		if err != nil {
			writeError(w, http.StatusBadGateway, "read run history: %v", err)
			return
		}
		if len(last) > 0 {
			info.LastRun = &last[0]
		}
		out.Jobs = append(out.Jobs, info)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *api) runs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Job: q.Get("job"), BatchID: q.Get("batch_id"), Status: Status(q.Get("status")), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "limit must be a whole number from 1 to 10000, got %q", v)
			return
		}
		f.Limit = n
	}
	if f.Status != "" && !f.Status.Valid() {
		writeError(w, http.StatusBadRequest, "status must be one of running, succeeded, failed, cancelled, skipped, abandoned; got %q", f.Status)
		return
	}
	for key, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(key); v != "" {
			d, err := asof.Parse(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "%s: %v", key, err)
				return
			}
			*dst = d
		}
	}
	if f.Job != "" && a.opt.Service != nil {
		if _, ok := a.opt.Service.Runner().Graph().Job(f.Job); !ok {
			writeError(w, http.StatusNotFound, "unknown job %q", f.Job)
			return
		}
	}
	runs, err := a.opt.Store.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusBadGateway, "read run history: %v", err)
		return
	}
	if runs == nil {
		runs = []Run{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
}

func (a *api) run(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	runs, err := a.opt.Store.List(r.Context(), Filter{RunID: id, Limit: 1})
	if err != nil {
		writeError(w, http.StatusBadGateway, "read run history: %v", err)
		return
	}
	if len(runs) == 0 {
		writeError(w, http.StatusNotFound, "no run %q", id)
		return
	}
	writeJSON(w, http.StatusOK, runs[0])
}

// TriggerResponse is the answer to POST /api/jobs/{name}/trigger.
type TriggerResponse struct {
	BatchID string `json:"batch_id"`
	Target  string `json:"target"`
	AsOf    string `json:"as_of"`
	// Runs is where the batch's runs are listed.
	Runs string `json:"runs"`
}

func (a *api) trigger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var body struct {
		AsOf       string `json:"as_of"`
		AllowEmpty bool   `json:"allow_empty"`
	}
	if r.Body != nil {
		data, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			writeError(w, http.StatusBadRequest, "read body: %v", err)
			return
		}
		if len(strings.TrimSpace(string(data))) > 0 {
			dec := json.NewDecoder(strings.NewReader(string(data)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil {
				writeError(w, http.StatusBadRequest, "body must be a JSON object like {\"as_of\": \"2026-01-31\"}: %v", err)
				return
			}
		}
	}
	if v := r.URL.Query().Get("as_of"); v != "" {
		body.AsOf = v
	}
	req := Request{Target: name, Trigger: TriggerManual, AllowEmpty: body.AllowEmpty, DefaultAsOf: body.AsOf == ""}
	if body.AsOf != "" {
		d, err := asof.Parse(body.AsOf)
		if err != nil {
			writeError(w, http.StatusBadRequest, "as_of: %v", err)
			return
		}
		req.AsOf = d
	}
	batch, asOf, err := a.opt.Service.Trigger(r.Context(), req)
	var ae *AsOfError
	switch {
	case errors.Is(err, ErrAsOfOutsideDates):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.As(err, &ae):
		hint := " (pass \"allow_empty\": true to run it anyway)"
		if d, ok := ae.Suggest(); ok {
			hint = fmt.Sprintf(" (use \"as_of\": %q, or pass \"allow_empty\": true to run it anyway)", d.Format(asof.Layout))
		}
		writeError(w, http.StatusBadRequest, "%v%s", err, hint)
	case errors.Is(err, ErrUnknownJob):
		writeError(w, http.StatusNotFound, "unknown job or pipeline %q", name)
	case errors.Is(err, ErrBusy):
		writeError(w, http.StatusConflict, "%s is already running", name)
	case errors.Is(err, ErrShutdown):
		writeError(w, http.StatusServiceUnavailable, "shutting down")
	case errors.Is(err, ErrNotStarted):
		writeError(w, http.StatusServiceUnavailable, "%v", err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, "%v", err) // says "trigger NAME: ..."
	default:
		a.opt.Logger.Info("run triggered", "target", name, "as_of", asOf.Format(asof.Layout), "batch_id", batch)
		writeJSON(w, http.StatusAccepted, TriggerResponse{BatchID: batch, Target: name, AsOf: asOf.Format(asof.Layout), Runs: "/api/runs?batch_id=" + batch})
	}
}

// apiHandler is what NewAPI runs under its http.TimeoutHandler: the routes,
// with an error answered after the request's deadline turned into the
// timeout answer. A query cut by the deadline fails (the driver's i/o
// timeout) at the moment the TimeoutHandler fires, and the handler's own
// answer (502 "read run history: ...") could otherwise win the race.
func apiHandler(opt APIOptions, timeout time.Duration) http.Handler {
	mux := newMux(opt)
	msg := timeoutAnswer(timeout)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&deadlineWriter{ResponseWriter: w, ctx: r.Context(), msg: msg}, r)
	})
}

// timeoutAnswer is the body of a request's answer past its deadline.
func timeoutAnswer(timeout time.Duration) string {
	msg, _ := json.Marshal(apiError{Error: fmt.Sprintf("request timed out after %s", timeout), Status: http.StatusServiceUnavailable})
	return string(msg) + "\n"
}

// deadlineWriter answers 503 with msg in place of a server error (5xx)
// written once ctx's deadline has passed, and drops that error's body.
type deadlineWriter struct {
	http.ResponseWriter
	ctx     context.Context
	msg     string
	replace bool
}

func (d *deadlineWriter) WriteHeader(code int) {
	// The deadline's time, not ctx.Err(): the driver's read deadline can
	// fire a moment before the context's timer does.
	if dl, ok := d.ctx.Deadline(); ok && code >= http.StatusInternalServerError && !time.Now().Before(dl) {
		d.replace = true
		d.ResponseWriter.Header().Set("Content-Type", "application/json")
		d.ResponseWriter.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(d.ResponseWriter, d.msg)
		return
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if d.replace {
		return len(b), nil
	}
	return d.ResponseWriter.Write(b)
}
