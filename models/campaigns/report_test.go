package campaigns

import (
	"bytes"
	"context"
	"html"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models/points"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

var reportDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func fp(x float64) *float64 { return &x }

// fillResults writes campaign_results and campaign_funnel for d: C1
// randomised (control, treatment and its variant A), C9 pre_post with an
// SRM flag and its window still open; C1's funnel; and the campaigns
// model's window_days (14) in model_params.
func fillResults(t *testing.T, conn warehouse.Conn, d time.Time) {
	t.Helper()
	chtest.Insert(t, conn, "INSERT INTO campaign_results (as_of, campaign_id, evidence, `group`, variant, window_complete, members, conversion_rate, revenue_per_member, "+
		"conversion_uplift, conversion_ci_low, conversion_ci_high, conversion_p, rpm_uplift, rpm_p, incremental_revenue, roi, srm_mismatch, run_id)", [][]any{
		{d, "C1", "randomised", "control", "", uint8(1), uint64(633), 0.0806, 20.0, nil, nil, nil, nil, nil, nil, nil, nil, uint8(0), "r"},
		{d, "C1", "randomised", "treatment", "", uint8(1), uint64(5552), 0.1034, 25.0, fp(0.0228), fp(0.0002), fp(0.0461), fp(0.0711), fp(5.18), fp(0.41), fp(28778), fp(102.7), uint8(0), "r"},
		{d, "C1", "randomised", "treatment", "A", uint8(1), uint64(2776), 0.11, 26.0, fp(0.03), fp(0.001), fp(0.059), fp(0.04), nil, nil, nil, nil, uint8(0), "r"},
		{d, "C9", "pre_post", "treatment", "", uint8(0), uint64(5552), 0.1034, 25.0, fp(0.0366), fp(0.0222), fp(0.0510), fp(0.0001), nil, nil, nil, nil, uint8(1), "r"},
	})
	chtest.Insert(t, conn, "INSERT INTO campaign_funnel (as_of, campaign_id, `group`, step_no, step, members, rate_of_flagged, rate_of_previous, uplift, uplift_p, run_id)", [][]any{
		{d, "C1", "control", uint8(1), "flagged", uint64(50), fp(1), fp(1), nil, nil, "r"},
		{d, "C1", "treatment", uint8(4), "upgraded", uint64(28), fp(0.065), fp(0.55), fp(0.04), fp(0.3), "r"},
		{d, "C1", "treatment", uint8(1), "flagged", uint64(432), fp(1), fp(1), nil, nil, "r"},
	})
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{d, "campaigns", "window_days", 14.0, "r"}})
}

// ran records a run of the campaigns model for d with status.
func ran(t *testing.T, conn warehouse.Conn, d time.Time, status string) {
	t.Helper()
	chtest.Insert(t, conn, "INSERT INTO model_runs (as_of, model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at)",
		[][]any{{d, "campaigns", "r-" + status, status, "", []string{"tiers"}, []string{"r"}, time.Now(), time.Now()}})
}

func page(t *testing.T, r *report.Report, opt report.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Render(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(b.String())
}

// TestSectionIntegration: the section reads the results and the funnel of
// the as_of in order, and renders the results table, the uplift error
// bars (rows with an interval) and the funnel in both languages, with the
// recorded attribution window, after the points section.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	fillResults(t, conn, reportDay)
	r, err := report.Load(context.Background(), conn, reportDay, Section, points.Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 2 || r.Sections[0].Section.ID() != "campaigns" {
		t.Fatalf("%d sections read, want campaigns and points", len(r.Sections))
	}
	c := r.Sections[0].Data.(*Figures)
	if c.Missing != nil || len(c.Rows) != 4 || len(c.Funnel) != 3 {
		t.Fatalf("campaigns = %+v", c)
	}
	if x := c.Rows[0]; x.Group != "control" || !math.IsNaN(x.Uplift) || !math.IsNaN(x.Lo) || !x.Complete || x.Members != 633 {
		t.Errorf("control row = %+v", x)
	}
	if x := c.Rows[2]; x.Variant != "A" || x.rowName() != "C1 · A" || !math.IsNaN(x.Incremental) || x.Lo != 0.001 {
		t.Errorf("variant row = %+v", x)
	}
	if x := c.Rows[3]; x.Campaign != "C9" || x.Evidence != "pre_post" || !x.SRM || x.Complete || x.P != 0.0001 {
		t.Errorf("pre_post row = %+v", x)
	}
	if f := c.Funnel; f[0].Group != "treatment" || f[0].Step != "flagged" || f[1].Step != "upgraded" || f[1].Uplift != 0.04 || f[2].Group != "control" || !math.IsNaN(f[0].Uplift) {
		t.Errorf("funnel = %+v, want treatment's steps in order, then control's", f)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Campaigns", "[0.0 pp, +4.6 pp]", "+2.3 pp", "pre/post", "mismatch", "C9 *", "C1 · A", "< 0.001", "¥28,778.00", "10,270.0%",
			"Upgrade funnel", "Attribution window", "14 days", "Uplift (pp)", "Campaign · group", `download="campaigns.csv"`, `download="campaigns_2.csv"`},
		report.Chinese: {"营销活动", "实验组", "对照组", "前后对比", "临近升级会员的升级漏斗", "已标记", "已升级", "归因窗口", "14 天"},
	} {
		out := page(t, r, report.Options{Lang: l, Currency: "¥"})
		reporttest.Contains(t, l, out, want...)
		if i := strings.Index(out, "??"); i >= 0 {
			t.Errorf("%s: untranslated label near %q", l, out[max(0, i-20):min(len(out), i+40)])
		}
		svg := regexp.MustCompile(`(?s)<svg class="chart" data-chart="campaign_uplift".*?</svg>`).FindString(out)
		if n := strings.Count(svg, "<circle"); n != 3 || strings.Count(svg, `class="axis-title`) < 2 {
			t.Errorf("%s: uplift chart has %d estimates (want 3: the rows with an interval) or lacks its axis titles", l, n)
		}
		// Its place: after the report's filters and the points section,
		// whichever order Load was given the sections in.
		reporttest.Order(t, l, out, "filters", "points", "campaigns")
	}
}

// TestNotRunOrEmptyIntegration: without a succeeded campaigns run for the
// as_of (none, or a failed one) the section says the model has no rows
// for the date; after a succeeded run that published no rows it says
// there are no campaigns with assignments for the date, and the report
// counts nothing missing for campaigns.
func TestNotRunOrEmptyIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	ctx := context.Background()
	en := report.Options{Lang: report.English}
	for _, status := range []string{"", "failed"} {
		if status != "" {
			ran(t, conn, reportDay, status)
		}
		r, err := report.Load(ctx, conn, reportDay, Section)
		if err != nil {
			t.Fatal(err)
		}
		ms := r.Sections[0].Data.(*Figures).Missing
		if len(ms) != 2 || ms[0].Table != "campaign_results" || ms[1].Table != "campaign_funnel" {
			t.Fatalf("run %q: campaigns missing = %+v, want campaign_results and campaign_funnel", status, ms)
		}
		for _, m := range ms {
			if m.Model != "campaigns" || m.Reason != report.NoPartition {
				t.Errorf("run %q: %+v, want campaigns without a partition", status, m)
			}
		}
		out := page(t, r, en)
		if !strings.Contains(out, "model campaigns has no rows for 2026-11-20 in table campaign_results") ||
			!strings.Contains(out, "model campaigns has no rows for 2026-11-20 in table campaign_funnel") || strings.Contains(out, "No campaigns with assignments") {
			t.Errorf("run %q: want the model-did-not-run notices, not the no-campaigns note", status)
		}
	}
	ran(t, conn, reportDay, "succeeded")
	r, err := report.Load(ctx, conn, reportDay, Section)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Sections[0].Data.(*Figures); c.Missing != nil || len(c.Rows) != 0 || len(c.Funnel) != 0 {
		t.Errorf("after a succeeded empty run: %+v; want nothing missing and no rows", c)
	}
	for _, m := range r.Missing() {
		if m.Model == "campaigns" {
			t.Errorf("report counts %+v missing after its model ran", m)
		}
	}
	out := page(t, r, en)
	if !strings.Contains(out, "No campaigns with assignments for this date") || strings.Contains(out, "model campaigns has no rows") ||
		!strings.Contains(out, "Attribution window") || strings.Contains(out, `download="campaigns.csv"`) || strings.Contains(out, `data-chart="campaign_uplift"`) {
		t.Error("page after an empty run: want the no-campaigns note and the definitions, no table or chart")
	}
}
