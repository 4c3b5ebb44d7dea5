package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// The job commands end to end on a generated data set: run all loads,
// checks and models; a backfill over several dates fails the freshness
// check on the last one; after the limit is raised, --reprocess failed
// re-runs that date only; runs lists the history.
func TestRunBackfillRunsCommandsIntegration(t *testing.T) {
	t.Parallel()
	dir, env, sources := generatedPipeline(t)
	cfgPath := filepath.Join(dir, "memberlytics.yaml")
	writeCfg := func(maxAge string) {
		t.Helper()
		cfg := "log:\n  level: error\n" + sources
		cfg += "exports:\n  dir: " + filepath.Join(dir, "exports") + "\n"
		cfg += "jobs:\n  retry:\n    max_attempts: 1\n  checks:\n    freshness_max_age: " + maxAge + "\n    freshness_severity: fail\n"
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg("240h")

	out, err := run(t, env, "--config", cfgPath, "run", "all", "--as-of", "2025-12-31")
	if err != nil {
		t.Fatalf("run all: %v\n%s", err, out)
	}
	for _, job := range []string{"load_members", "load_orders", "load_events", "checks", "rfm", "clv", "export"} {
		if !regexp.MustCompile(`(?m)^` + job + `\s+2025-12-31\s+succeeded\s+manual`).MatchString(out) {
			t.Errorf("run all output has no succeeded %s:\n%s", job, out)
		}
	}

	if m, _ := filepath.Glob(filepath.Join(dir, "exports", "as_of=2025-12-31", "manifest.json")); len(m) != 1 {
		t.Errorf("the export job wrote no manifest under exports.dir")
	}

	// Weekly dates; on 2026-01-14 the newest order (before 2026-01-01) is
	// more than 10 days old, so the checks fail and the models are skipped.
	// The dates after the data need --allow-empty (TestAsOfRulesCLIIntegration).
	args := []string{"--config", cfgPath, "backfill", "all", "--from", "2025-12-24", "--to", "2026-01-14", "--step", "week", "--allow-empty"}
	out, err = run(t, env, args...)
	if err == nil || !strings.Contains(err.Error(), "did not succeed") {
		t.Fatalf("backfill with a stale date: err = %v, want a failure\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^2026-01-14\s+\S*checks\S*\s+-\s+.*1 failed, \d+ skipped`).MatchString(out) {
		t.Errorf("backfill output does not show 2026-01-14 failing:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^2025-12-31\s+-\s+\S*rfm\S*\s+-\s+nothing to do`).MatchString(out) {
		t.Errorf("backfill re-ran 2025-12-31, which had succeeded:\n%s", out)
	}
	out, err = run(t, env, "--config", cfgPath, "runs", "--job", "rfm", "--status", "skipped")
	if err != nil || !regexp.MustCompile(`(?m)^rfm\s+2026-01-14\s+skipped\s+backfill`).MatchString(out) {
		t.Errorf("runs --job rfm --status skipped: %v\n%s", err, out)
	}

	writeCfg("1000h")
	out, err = run(t, env, append(args, "--reprocess", "failed")...)
	if err != nil {
		t.Fatalf("backfill --reprocess failed: %v\n%s", err, out)
	}
	for _, d := range []string{"2025-12-24", "2025-12-31", "2026-01-07"} {
		if !regexp.MustCompile(`(?m)^` + d + `\s+-\s+\S+\s+-\s+nothing to do`).MatchString(out) {
			t.Errorf("--reprocess failed re-ran %s:\n%s", d, out)
		}
	}
	if !regexp.MustCompile(`(?m)^2026-01-14\s+checks,\S*rfm\S*\s+\S*load_orders\S*\s+-\s+\d+ succeeded$`).MatchString(out) {
		t.Errorf("--reprocess failed did not re-run checks and models on 2026-01-14 only:\n%s", out)
	}
	out, err = run(t, env, "--config", cfgPath, "runs", "--job", "rfm", "--limit", "1")
	if err != nil || !regexp.MustCompile(`(?m)^rfm\s+2026-01-14\s+succeeded\s+backfill`).MatchString(out) {
		t.Errorf("runs --job rfm --limit 1: %v\n%s", err, out)
	}
}

// run and backfill refuse a database with migrations pending and say what
// to do (serve waits instead).
func TestRunRequiresMigrateIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	env := map[string]string{config.EnvAddr: chtest.Server(t).Addr(), config.EnvDatabase: conn.Database()}
	for _, args := range [][]string{
		{"run", "all", "--as-of", "2025-12-31"},
		{"backfill", "all", "--from", "2025-12-01", "--to", "2025-12-02"},
	} {
		out, err := run(t, env, args...)
		if err == nil || !strings.Contains(err.Error(), "migrations pending") || !strings.Contains(err.Error(), "run memberlytics migrate") {
			t.Errorf("%v on an unmigrated database: err = %v, want it to ask for memberlytics migrate\n%s", args, err, out)
		}
	}
}
