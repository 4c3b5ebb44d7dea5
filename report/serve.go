package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/snapshot"
)

// LatestAsOf returns the as_of of the newest complete snapshot (see
// internal/platform/snapshot), the date every _latest view shows, and false when no
// date is published yet. A model table's newer as_of that is not part of a
// complete snapshot is never the default.
func LatestAsOf(ctx context.Context, q Querier) (time.Time, bool, error) {
	s, err := snapshot.Latest(ctx, q)
	if errors.Is(err, snapshot.ErrNone) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return s.AsOf, true, nil
}

// LoadRuns reads the latest limit job runs from job_runs_current. When the
// jobs tables do not exist it returns a Missing entry and no error.
func LoadRuns(ctx context.Context, q Querier, limit int) ([]Run, *Missing, error) {
	l := &loader{q: query.ForReport(q)}
	cols, err := l.columns(ctx)
	if err != nil {
		return nil, nil, err
	}
	if cols["job_runs_current"] == nil {
		return nil, &Missing{Model: "jobs", Table: "job_runs", Reason: NoTable}, nil
	}
	var runs []Run
	err = l.each(ctx, "runs", []any{clickhouse.Named("limit", limit)}, func(scan func(...any) error) error {
		var r Run
		var attempt, ms float64
		if err := scan(&r.Job, &r.AsOf, &r.Trigger, &r.Status, &attempt, &r.Started, &r.Finished, &ms, &r.RowsOut, &r.Error); err != nil {
			return err
		}
		r.Attempt, r.Duration = int(attempt), time.Duration(ms)*time.Millisecond
		runs = append(runs, r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return runs, nil, nil
}

// HandlerOptions configure the served pages.
type HandlerOptions struct {
	// Options are the default language and currency; a request may ask for
	// another language with ?lang=zh.
	Options
	// Logger receives failed requests; nil discards.
	Logger *slog.Logger
	// Next, when set, lists the next scheduled runs for /runs.
	Next func() []Scheduled
	// RunsLimit is how many runs /runs lists (default 100).
	RunsLimit int
	// Sections are the models' own sections, laid out after the
	// report's (see Load).
	Sections []Section
}

// Handler serves the report of the newest as_of (or ?as_of=YYYY-MM-DD) at
// / and the job runs at /runs, with ?lang=en|zh. Mount it at the server's
// root, or under a prefix with http.StripPrefix. Safe for concurrent use;
// every request reads ClickHouse afresh.
type Handler struct {
	q   Querier
	opt HandlerOptions
}

// NewHandler returns the handler of the report pages over q.
func NewHandler(q Querier, opt HandlerOptions) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.RunsLimit <= 0 {
		opt.RunsLimit = 100
	}
	opt.Nav = true
	return &Handler{q: q, opt: opt}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	opt := h.opt.Options
	if s := r.URL.Query().Get("lang"); s != "" {
		l, err := ParseLang(s)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		opt.Lang = l
	}
	var buf bytes.Buffer
	var err error
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "", "/index.html":
		err = h.report(r, &buf, opt)
	case "/runs":
		err = h.runs(r, &buf, opt)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		if e, ok := err.(badRequest); ok {
			http.Error(w, e.Error(), http.StatusBadRequest)
			return
		}
		h.opt.Logger.Error("report page failed", "path", r.URL.Path, "err", err)
		http.Error(w, "report failed: see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

type badRequest struct{ error }

func (h *Handler) report(r *http.Request, buf *bytes.Buffer, opt Options) error {
	ctx := r.Context()
	var asOf time.Time
	if s := r.URL.Query().Get("as_of"); s != "" {
		t, err := time.Parse(asof.Layout, s)
		if err != nil {
			return badRequest{fmt.Errorf("as_of %q: want YYYY-MM-DD", s)}
		}
		asOf = t
	} else {
		t, ok, err := LatestAsOf(ctx, h.q)
		if err != nil {
			return err
		}
		if !ok {
			t = time.Now().UTC()
		}
		asOf = t
	}
	rep, err := Load(ctx, h.q, asOf, h.opt.Sections...)
	if err != nil {
		return err
	}
	return Render(buf, rep, opt)
}

func (h *Handler) runs(r *http.Request, buf *bytes.Buffer, opt Options) error {
	runs, missing, err := LoadRuns(r.Context(), h.q, h.opt.RunsLimit)
	if err != nil {
		return err
	}
	var next []Scheduled
	if h.opt.Next != nil {
		next = h.opt.Next()
	}
	return RenderRuns(buf, runs, missing, next, opt)
}
