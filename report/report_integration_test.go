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
	if r.Churn.Quality == nil || r.Churn.Quality.AUC != 0.8 || len(r.Churn.Quality.Predicted) != 10 || len(r.Churn.Quality.Lift) != 10 {
		t.Errorf("churn quality = %+v", r.Churn.Quality)
	}
	if len(r.Churn.Bands) != 4 || r.Churn.Bands[0].Name != "low" {
		t.Errorf("churn bands = %+v, want low..critical", r.Churn.Bands)
	}
	tr := r.Tiers
	if strings.Join(tr.Names, ",") != "Bronze,Silver,Gold,Diamond" || tr.Upgraded != 9 || tr.Downgraded != 0 || tr.Matrix[0][0] == 0 ||
		tr.Conversion == nil || *tr.Conversion != (Rate{0.25, 8}) || tr.Retention != nil {
		t.Errorf("tiers = %+v", tr)
	}
	newIn := 0.0
	for _, v := range r.Lifecycle.Counts[0] {
		newIn += v
	}
	if newIn != 4 || r.Lifecycle.From[0] != "" {
		t.Errorf("lifecycle: %g members new to the table, want 4 (%+v)", newIn, r.Lifecycle)
	}
	if r.Potential.Any != 8 || len(r.Potential.Reasons) != 2 || r.Potential.Reasons[0].Members != 8 || r.Potential.Reasons[1].Members != 4 {
		t.Errorf("potential = %+v", r.Potential)
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
	// clv was last run for day1; tiers has an older schema; rfm, cohorts,
	// potential and model_metrics were never created.
	f.drop(t, "rfm", "rfm_latest", "cohorts", "cohorts_latest", "potential", "potential_latest", "model_metrics", "model_metrics_latest", "tiers", "tiers_latest")
	if err := f.conn.Exec(ctx, "CREATE TABLE tiers (as_of Date, member_id String, tier String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id"); err != nil {
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
	check("potential", r.Potential.Missing, NoTable)
	check("clv", r.KPIMissing, NoPartition)
	check("tiers", r.Tiers.Missing, NoColumns)
	if len(r.Tiers.Missing) == 1 && strings.Join(r.Tiers.Missing[0].Columns, ",") != "tier_rank" {
		t.Errorf("tiers lacks %v, want [tier_rank]", r.Tiers.Missing[0].Columns)
	}
	if r.Churn.Missing != nil || len(r.Churn.Bands) == 0 || r.Churn.Quality != nil {
		t.Errorf("churn = %+v, want bands without quality (no model_metrics)", r.Churn)
	}
	if _, ok := kpi(r, "kpi_members"); !ok {
		t.Error("lifecycle KPIs missing although lifecycle is there")
	}
	for _, tt := range []struct {
		lang Lang
		want []string
	}{
		{English, []string{"model clv has no rows for 2026-11-20 in table clv", "table tiers of model tiers lacks columns tier_rank"}},
		{Chinese, []string{"模型 clv 在 2026-11-20 没有数据（表 clv）", "模型 tiers 的表 tiers 缺少列 tier_rank"}},
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
	// campaign_results and campaign_funnel are there (migrated) but the
	// campaigns model never ran: no partition, two entries.
	if got := len(r.Missing()); got != 11 {
		t.Errorf("Missing() has %d entries, want one per table, kpi_breakdown's two as one (11): %+v", got, r.Missing())
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
