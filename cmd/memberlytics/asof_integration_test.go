package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The as_of rules on the CLI, on generated data (paid orders and events
// up to the end of 2025): run, backfill, export and report refuse a date
// outside the data, naming the newest data date, unless --allow-empty;
// the default date (yesterday) is refused with the date to use; no flag
// passes a date ClickHouse cannot store.
func TestAsOfRulesCLIIntegration(t *testing.T) {
	t.Parallel()
	dir, env, sources := generatedPipeline(t)
	cfgPath := filepath.Join(dir, "memberlytics.yaml")
	cfg := "log:\n  level: error\n" + sources + "exports:\n  dir: " + filepath.Join(dir, "exports") + "\n" +
		"jobs:\n  retry:\n    max_attempts: 1\n  checks:\n    freshness_max_age: 100000h\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := func(args ...string) (string, error) {
		return run(t, env, append([]string{"--config", cfgPath}, args...)...)
	}
	if out, err := c("run", "load"); err != nil { // loads take any as_of
		t.Fatalf("run load: %v\n%s", err, out)
	}
	out, err := c("run", "rfm", "--as-of", "2030-01-01")
	m := regexp.MustCompile(`newest paid order or event is (\d{4}-\d\d-\d\d)`).FindStringSubmatch(errString(err))
	if m == nil || !strings.Contains(err.Error(), "--allow-empty") {
		t.Fatalf("run rfm --as-of 2030-01-01: err = %v, want a refusal naming the newest data and --allow-empty\n%s", err, out)
	}
	newest := m[1]
	if !strings.HasPrefix(newest, "2025-12") {
		t.Errorf("newest data %s, want December 2025", newest)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "rfm"}, "no paid order or event after " + newest + " (newest data); yesterday "},
		{[]string{"run", "rfm"}, "use --as-of " + newest + ", or --allow-empty"},
		{[]string{"run", "rfm", "--as-of", "2026-01-15"}, "after the newest data"},
		{[]string{"run", "all", "--as-of", "2026-01-15"}, "after the newest data"},
		{[]string{"run", "rfm", "--as-of", "2020-01-01"}, "before the first data"},
		{[]string{"run", "rfm", "--as-of", "1969-12-31", "--allow-empty"}, "outside the dates ClickHouse can store"},
		{[]string{"run", "rfm", "--as-of", "2149-06-06", "--allow-empty"}, "outside the dates ClickHouse can store"},
		{[]string{"backfill", "rfm", "--from", "2025-12-30", "--to", "2026-01-02"}, "2026-01-02 is after the newest data"},
		{[]string{"backfill", "rfm", "--from", "2025-12-30", "--to", "2026-01-02"}, "keep --from and --to within "},
		{[]string{"export", "--as-of", "2026-01-15"}, "after the newest data"},
		{[]string{"report", "--as-of", "2030-01-01", "--out", filepath.Join(dir, "r.html")}, "in the future"},
	} {
		out, err := c(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want a refusal with %q\n%s", tt.args, err, tt.want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "exports", "as_of=2026-01-15")); !os.IsNotExist(err) {
		t.Errorf("a refused export left as_of=2026-01-15 behind: %v", err)
	}
	out, err = c("runs", "--job", "rfm")
	if err != nil || strings.Contains(out, "2030-01-01") || strings.Contains(out, "1970-01-01") {
		t.Errorf("refused runs were recorded: %v\n%s", err, out)
	}

	// Deliberate runs with --allow-empty. Every model runs, so each date
	// is published as a complete snapshot (the report's default date).
	if out, err := c("run", "all", "--as-of", newest); err != nil {
		t.Fatalf("run all --as-of %s: %v\n%s", newest, err, out)
	}
	if out, err := c("run", "all", "--as-of", "2026-01-15", "--allow-empty"); err != nil || !strings.Contains(out, "succeeded") {
		t.Errorf("run all --as-of 2026-01-15 --allow-empty: %v\n%s", err, out)
	}
	if out, err := c("backfill", "rfm", "--from", "2026-01-16", "--to", "2026-01-17", "--allow-empty", "--dry-run"); err != nil {
		t.Errorf("backfill --allow-empty --dry-run: %v\n%s", err, out)
	}
	// The report's default date is the newest published snapshot, here
	// beyond the data: refused with what to do.
	out, err = c("report", "--out", filepath.Join(dir, "r.html"))
	if err == nil || !strings.Contains(err.Error(), "2026-01-15") || !strings.Contains(err.Error(), "memberlytics drop --as-of 2026-01-15") {
		t.Errorf("report on a newest output beyond the data: err = %v, want it to name the date and drop\n%s", err, out)
	}
	if out, err := c("report", "--out", filepath.Join(dir, "r.html"), "--allow-empty"); err != nil {
		t.Errorf("report --allow-empty: %v\n%s", err, out)
	}

	// dates lists both, drop removes the deliberate one everywhere.
	out, err = c("dates", "--json")
	if err != nil {
		t.Fatalf("dates --json: %v\n%s", err, out)
	}
	var dates []struct {
		AsOf      string `json:"as_of"`
		Published bool   `json:"published"`
		Models    []struct {
			Model  string   `json:"model"`
			Exists bool     `json:"exists"`
			RunIDs []string `json:"run_ids"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &dates); err != nil {
		t.Fatalf("dates --json: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, d := range dates {
		for _, m := range d.Models {
			if m.Model == "rfm" && m.Exists && len(m.RunIDs) == 1 && d.Published {
				got[d.AsOf] = true
			}
		}
	}
	if len(dates) != 2 || !got[newest] || !got["2026-01-15"] {
		t.Errorf("dates = %+v, want rfm on %s and 2026-01-15, both published", dates, newest)
	}
	out, err = c("dates")
	if err != nil || !regexp.MustCompile(`(?m)^2026-01-15\s.*rfm`).MatchString(out) {
		t.Errorf("dates: %v\n%s", err, out)
	}
	out, err = c("drop", "--as-of", "2026-01-15")
	if err != nil || !regexp.MustCompile(`(?m)^rfm\s+\d+ rows`).MatchString(out) || !strings.Contains(out, "model_metrics") {
		t.Errorf("drop --as-of 2026-01-15: %v\n%s", err, out)
	}
	out, err = c("dates")
	if err != nil || strings.Contains(out, "2026-01-15") || !strings.Contains(out, newest) {
		t.Errorf("dates after drop: %v\n%s", err, out)
	}
	if out, err := c("report", "--out", filepath.Join(dir, "r.html")); err != nil || !strings.Contains(out, "report for "+newest) {
		t.Errorf("report after drop: %v\n%s", err, out)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
