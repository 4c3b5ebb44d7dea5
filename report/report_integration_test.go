package report

import (
	"bytes"
	"context"
	"html"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

func kpi(r *Report, key string) (KPI, bool) {
	for _, k := range r.KPIs {
		if k.Key == key {
			return k, true
		}
	}
	return KPI{}, false
}

func TestLoadIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()
	r, err := Load(ctx, f.conn, day2)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if ms := r.Missing(); len(ms) > 0 {
		t.Fatalf("Missing() = %+v, want none", ms)
	}
	if !r.Prev.Equal(day1) {
		t.Errorf("Prev = %v, want %v", r.Prev, day1)
	}
	kpis := []struct {
		key       string
		cur, prev float64
	}{
		{"kpi_members", 40, 36},
		{"kpi_active", 24, 36 * 3 / 5}, // day1: i%5 in {0,1,2}: 22 of 36? computed below
		{"kpi_churn_rate", 0.2, 7.0 / 36},
		{"kpi_reactivation", 0.15, 0.125},
		{"kpi_buyers", 40, 36},
		{"kpi_repurchase", 0.75, 27.0 / 36},
	}
	// day1 active: i in [0,36) with i%5 in {0,1,2} = 22.
	kpis[1].prev = 22
	for _, k := range kpis {
		got, ok := kpi(r, k.key)
		if !ok {
			t.Errorf("KPI %s missing", k.key)
			continue
		}
		if math.Abs(got.Cur-k.cur) > 1e-9 || !got.HasPrev || math.Abs(got.Prev-k.prev) > 1e-9 {
			t.Errorf("KPI %s = %+v, want cur %g prev %g", k.key, got, k.cur, k.prev)
		}
	}
	for _, l := range Langs {
		var b bytes.Buffer
		if err := Render(&b, r, Options{Lang: l, Currency: "¥"}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, name := range chartNames {
			if !strings.Contains(out, `data-chart="`+name+`"`) {
				t.Errorf("%s: chart %s missing", l, name)
			}
		}
		if strings.Contains(out, "??") {
			t.Errorf("%s: untranslated label", l)
		}
	}
}

func TestLoadMissingModelsIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, "churn", "lifecycle")
	ctx := context.Background()
	// clv was last run for day1; member_profile has an older schema;
	// model_metrics was never created. (The models' own sections are
	// tested in their folders.)
	f.drop(t, "model_metrics", "model_metrics_latest", "member_profile", "member_profile_latest")
	if err := f.conn.Exec(ctx, "CREATE TABLE member_profile (as_of Date, member_id String, tier String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id"); err != nil {
		t.Fatal(err)
	}
	f.fill(t, day1, []string{"clv"})
	r, err := Load(ctx, f.conn, day2)
	if err != nil {
		t.Fatalf("Load with missing models: %v", err)
	}
	check := func(name string, ms []Missing, reason Reason) {
		t.Helper()
		if len(ms) != 1 || ms[0].Reason != reason {
			t.Errorf("%s missing = %+v, want one %s", name, ms, reason)
		}
	}
	check("clv", r.KPIMissing, NoPartition)
	check("member_profile", r.Filters.Missing, NoColumns)
	if len(r.Filters.Missing) == 1 && !strings.HasPrefix(strings.Join(r.Filters.Missing[0].Columns, ","), "region,channel") {
		t.Errorf("member_profile lacks %v, want region, channel, ...", r.Filters.Missing[0].Columns)
	}
	if _, ok := kpi(r, "kpi_members"); !ok {
		t.Error("lifecycle KPIs missing although lifecycle is there")
	}
	for _, tt := range []struct {
		lang Lang
		want []string
	}{
		{English, []string{"model clv has no rows for 2026-11-20 in table clv", "table member_profile of model member_profile lacks columns region, channel"}},
		{Chinese, []string{"模型 clv 在 2026-11-20 没有数据（表 clv）", "模型 member_profile 的表 member_profile 缺少列 region, channel"}},
	} {
		var b bytes.Buffer
		if err := Render(&b, r, Options{Lang: tt.lang}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s page lacks notice %q", tt.lang, w)
			}
		}
	}
}

func TestLoadEmptyDatabaseIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, "none")
	f.drop(t, "lifecycle", "clv", "churn", "rfm", "cohorts", "tiers", "potential", "model_metrics", "engagement", "member_profile", "model_params",
		"points_programme", "kpi_breakdown", "kpi_contribution", "category_affinity")
	r, err := Load(context.Background(), f.conn, day2)
	if err != nil {
		t.Fatalf("Load on a database without model tables: %v", err)
	}
	// One per section table; model_metrics only feeds the churn quality
	// panel, which then says the model recorded no validation figures.
	if got := len(r.Missing()); got != 4 {
		t.Errorf("Missing() has %d entries, want one per table (4): %+v", got, r.Missing())
	}
	if !r.Prev.IsZero() {
		t.Errorf("Prev = %v, want zero", r.Prev)
	}
}

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, html.UnescapeString(string(body))
}

func TestHandlerIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	// / opens on the newest complete snapshot, not the newest table date.
	publishSnapshots(t, f.conn, day1, day2)
	h := NewHandler(f.conn, HandlerOptions{Options: Options{Currency: "$"}, Next: func() []Scheduled {
		return []Scheduled{{Job: "rfm", At: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)}}
	}})
	tests := []struct {
		target string
		code   int
		want   []string
	}{
		{"/", 200, []string{"As of 2026-11-20", "compared with 2026-11-13", `data-chart="trend_members"`, `href="runs"`}},
		{"/?as_of=2026-11-13&lang=zh", 200, []string{"数据日期 2026-11-13", "没有更早的数据日期可对比"}},
		{"/runs", 200, []string{"permanent: fit failed", "churn", "failed", "60.00 s", "2026-11-22 02:00:00 UTC"}},
		{"/runs?lang=zh", 200, []string{"任务运行", "失败"}},
		{"/?as_of=20261120", 400, []string{"want YYYY-MM-DD"}},
		{"/?lang=fr", 400, []string{"unknown report language"}},
		{"/nope", 404, nil},
	}
	for _, tt := range tests {
		code, body := get(t, h, tt.target)
		if code != tt.code {
			t.Errorf("GET %s = %d, want %d\n%s", tt.target, code, tt.code, body)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tt.target, w)
			}
		}
	}
}

func TestHandlerRunsWithoutJobsIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, "rfm")
	f.drop(t, "job_runs_current", "job_runs")
	code, body := get(t, NewHandler(f.conn, HandlerOptions{}), "/runs")
	if code != 200 || !strings.Contains(body, "has not written table job_runs") {
		t.Errorf("GET /runs without job_runs = %d\n%s", code, body)
	}
}

// publishSnapshots records a published snapshot (of rfm, run "r", as the
// fixture writes it) for each of days, as the models would once every
// model of a date has run: / and the default date open on the newest.
func publishSnapshots(t *testing.T, conn interface {
	PrepareBatch(ctx context.Context, query string) (warehouse.Batch, error)
}, days ...time.Time) {
	t.Helper()
	b, err := conn.PrepareBatch(context.Background(), "INSERT INTO snapshots (as_of, model, run_id, status, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		if err := b.Append(d, "rfm", "r", "succeeded", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}
