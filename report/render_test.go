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
var chartNames = []string{"trend_members", "trend_arpu", "trend_repurchase"}

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
		{English, []string{`<html lang="en">`, "Membership report", "Headline figures", "125,400", "+3.6%", "+0.7 pp", "¥356.20"}},
		{Chinese, []string{`<html lang="zh-Hans">`, "会员分析报告", "核心指标", "125,400", "+0.7 个百分点"}},
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
			for _, name := range chartNames {
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
	r.Filters = Filters{Missing: []Missing{{Model: "member_profile", Table: "member_profile", Reason: NoColumns, Columns: []string{"region"}}}}
	tests := []struct {
		lang Lang
		want []string
	}{
		{English, []string{"model clv has no rows for 2026-11-20 in table clv", "table member_profile of model member_profile lacks columns region", "Not available"}},
		{Chinese, []string{"模型 clv 在 2026-11-20 没有数据（表 clv）", "模型 member_profile 的表 member_profile 缺少列 region", "暂无数据"}},
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
			if strings.Contains(out, `name="filters"`) {
				t.Error("filters drawn although member_profile lacks a column")
			}
			if !strings.Contains(out, `data-chart="trend_members"`) {
				t.Error("trends dropped although they are there")
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
