package report

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chartNames are the data-chart names a full report draws.
var chartNames = []string{
	"churn_bands", "churn_histogram", "churn_calibration", "churn_lift", "tier_distribution", "tier_migration", "lifecycle_flow", "potential_reasons",
	"engagement_scores", "engagement_events", "trend_members", "trend_arpu", "trend_repurchase",
	"contribution_top", "contribution_tier", "contribution_value_layer"}

func raw(t *testing.T, r *Report, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r, opt); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

func render(t *testing.T, r *Report, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r, opt); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return html.UnescapeString(b.String())
}

func TestRenderBothLanguages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang Lang
		want []string
	}{
		{English, []string{`<html lang="en">`, "Membership report", "Headline figures", "125,400", "+3.6%", "+0.7 pp", "¥356.20", "Upgrade conversion", "8.4%", "+2.3 pp", "[0.0 pp, +4.6 pp]", "pre/post", "mismatch", "Upgrade funnel"}},
		{Chinese, []string{`<html lang="zh-Hans">`, "会员分析报告", "核心指标", "125,400", "+0.7 个百分点", "升级转化率", "新客", "营销活动", "实验组", "临近升级会员的升级漏斗"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			t.Parallel()
			out := render(t, sampleReport(), Options{Lang: tt.lang, Currency: "¥"})
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if i := strings.Index(out, "??"); i >= 0 {
				t.Errorf("page has an untranslated label near %q", out[max(0, i-20):min(len(out), i+40)])
			}
			for _, name := range append(chartNames, "campaign_uplift") {
				if !strings.Contains(out, `data-chart="`+name+`"`) {
					t.Errorf("page lacks chart %s", name)
				}
			}
			if strings.Contains(out, "class=\"notice\"") {
				t.Error("full report shows a missing-model notice")
			}
			self := regexp.MustCompile(`(?i)<script|<link|src=|url\(|@import|https?://[^"]*"[^>]*>`)
			inline := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `<link rel="icon" href="data:,">`, "")
			if m := self.FindString(inline.Replace(out)); m != "" {
				t.Errorf("page is not self-contained: found %q", m)
			}
			writeArtifact(t, "render_"+string(tt.lang)+".html", raw(t, sampleReport(), Options{Lang: tt.lang, Currency: "¥"}))
		})
	}
}

func TestRenderMissingModelsShowsNotices(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	r.KPIs = r.KPIs[:2]
	r.KPIMissing = []Missing{{Model: "clv", Table: "clv", Reason: NoPartition, AsOf: "2026-11-20"}}
	r.Tiers = Tiers{Missing: []Missing{{Model: "tiers", Table: "tiers", Reason: NoColumns, Columns: []string{"tier_level"}}}}
	tests := []struct {
		lang Lang
		want []string
	}{
		{English, []string{"model clv has no rows for 2026-11-20 in table clv", "table tiers of model tiers lacks columns tier_level", "Not available"}},
		{Chinese, []string{"模型 clv 在 2026-11-20 没有数据（表 clv）", "模型 tiers 的表 tiers 缺少列 tier_level", "暂无数据"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			t.Parallel()
			out := render(t, r, Options{Lang: tt.lang})
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("page lacks notice %q", w)
				}
			}
			for _, gone := range []string{"tier_migration"} {
				if strings.Contains(out, `data-chart="`+gone+`"`) {
					t.Errorf("chart %s drawn although its model is missing", gone)
				}
			}
			if !strings.Contains(out, `data-chart="churn_bands"`) {
				t.Error("churn section dropped although churn is there")
			}
		})
	}
}

func TestRenderRuns(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := RenderRuns(&b, nil, &Missing{Model: "jobs", Table: "job_runs", Reason: NoTable}, nil, Options{Nav: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "model jobs has not written table job_runs") {
		t.Errorf("runs page without job_runs lacks the notice:\n%s", b.String())
	}
	b.Reset()
	start := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	runs := []Run{{Job: "rfm", AsOf: "2026-11-20", Status: "succeeded", Attempt: 1, Started: start, Finished: start, Duration: 90 * time.Millisecond}}
	if err := RenderRuns(&b, runs, nil, nil, Options{Nav: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "0.09 s") {
		t.Errorf("runs page shows a 90 ms run not as 0.09 s:\n%s", b.String())
	}
}

// writeArtifact keeps a rendered page under testdata/out (gitignored) for
// people to look at.
func writeArtifact(t *testing.T, name, content string) {
	t.Helper()
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
