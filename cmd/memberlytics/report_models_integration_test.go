package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The report over what the models really write: generated data, every
// model run for two as_ofs, then memberlytics report must find every
// model output and draw every chart. This catches a model table changing
// under the report.
func TestReportAfterModelsIntegration(t *testing.T) {
	t.Parallel()
	dir, env, sources := generatedPipeline(t)
	cfgPath := filepath.Join(dir, "memberlytics.yaml")
	cfg := "log:\n  level: error\nreport:\n  currency: \"$\"\n" + sources
	cfg += "jobs:\n  retry:\n    max_attempts: 1\n  checks:\n    freshness_max_age: 1000h\n"
	// run all ends with the export step: keep its files in the test's dir.
	cfg += "exports:\n  dir: " + filepath.Join(dir, "exports") + "\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2025-12-24", "2025-12-31"} {
		if out, err := run(t, env, "--config", cfgPath, "run", "all", "--as-of", d); err != nil {
			t.Fatalf("run all --as-of %s: %v\n%s", d, err, out)
		}
	}
	page := filepath.Join(dir, "report.html")
	out, err := run(t, env, "--config", cfgPath, "report", "--out", page)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if !strings.Contains(out, "report for 2025-12-31 written") || !strings.Contains(out, "0 model outputs missing") {
		t.Errorf("report output = %q, want the newest as_of and no missing outputs", out)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{"compared with 2025-12-24", "$"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, chart := range []string{"rfm_members", "rfm_revenue", "cohort_retention", "cohort_revenue", "clv_histogram", "clv_deciles",
		"churn_bands", "churn_histogram", "churn_calibration", "churn_lift", "tier_distribution", "tier_migration", "lifecycle_flow", "potential_reasons",
		"cohort_curve", "engagement_scores", "engagement_events", "trend_members", "trend_predicted_churn",
		"points_liability", "contribution_top", "contribution_tier", "contribution_value_layer"} {
		if !strings.Contains(html, `data-chart="`+chart+`"`) {
			t.Errorf("report lacks chart %s", chart)
		}
	}
	// The pipeline loads no campaign members and no order lines: the
	// campaigns and category sections are there with their empty notes
	// (their charts are tested in models/campaigns and
	// models/category_affinity).
	for _, want := range []string{`id="campaigns"`, "No campaigns with assignments for this date", `id="category"`, "No member has a preferred category"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Every section at its place: the report's own (kpis, trends,
	// filters) and the models' (models/<name>/report.go).
	at := -1
	for _, id := range []string{"kpis", "rfm", "cohorts", "clv", "churn", "tiers", "lifecycle", "potential", "engagement", "trends", "filters",
		"points", "campaigns", "category", "breakdown", "contribution"} {
		i := strings.Index(html, `id="`+id+`"`)
		if i <= at {
			t.Errorf("section %s at %d, not after the previous one at %d", id, i, at)
		}
		at = i
	}
	if strings.Contains(html, `class="notice"`) {
		t.Errorf("report shows a missing-model notice after every model ran")
	}
	// Every window and horizon the definitions state was recorded by the run.
	if i := strings.Index(html, "not recorded for this as_of"); i >= 0 {
		t.Errorf("a definition was not recorded by the models: %s", html[max(0, i-200):min(len(html), i+120)])
	}
	if !strings.Contains(html, `download="filters.csv"`) || !strings.Contains(html, `name="filters"`) {
		t.Errorf("report lacks the filters or their CSV")
	}
}
