package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/jobs"
)

func TestVersionString(t *testing.T) {
	t.Parallel()
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/memberlytics/memberlytics", Version: "v0.3.1"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionString(bi, true), "memberlytics v0.3.1 (commit 0123456789ab, modified, 2026-12-04T10:00:00Z, go1.26.0)"; got != want {
		t.Errorf("versionString = %q, want %q", got, want)
	}
	bi = &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}
	if got, want := versionString(bi, true), "memberlytics devel (no commit recorded, go1.26.0)"; got != want {
		t.Errorf("versionString = %q, want %q", got, want)
	}
	if got := versionString(nil, false); got != "memberlytics devel (no build information)" {
		t.Errorf("versionString without build info = %q", got)
	}
}

// --version and version print the same line, without needing a config.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	flag, err := run(t, nil, "--version")
	if err != nil || !strings.HasPrefix(flag, "memberlytics ") {
		t.Fatalf("--version: err %v, output %q", err, flag)
	}
	cmd, err := run(t, nil, "version")
	if err != nil || cmd != flag {
		t.Errorf("version printed %q (err %v), --version %q; want the same", cmd, err, flag)
	}
}

// run --help lists the jobs and pipelines the config makes.
func TestRunHelpListsJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, []byte("loaders:\n  sources:\n    shop:\n      kind: orders\n      paths: [\""+dir+"\"]\n"), 0o644)
	out, err := run(t, map[string]string{config.EnvAddr: "127.0.0.1:1"}, "--config", cfg, "run", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Jobs (in dependency order): load_shop, checks, clv", "rfm", "export", "Pipelines: load", "all"} {
		if !strings.Contains(out, want) {
			t.Errorf("run --help lacks %q:\n%s", want, out)
		}
	}
}

// Commands run by hand log warnings and errors only, unless --log-level
// (or log.level in the file) asks for more.
func TestInteractiveCommandsLogWarnByDefaultIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	env := map[string]string{config.EnvAddr: chtest.Config(t, conn.Database()).Addr, config.EnvDatabase: conn.Database()}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, nil, 0o644)
	path := filepath.Join(dir, "orders.csv")
	os.WriteFile(path, []byte("order_id,member_id,ordered_at,amount,note\nA1,M1,2024-01-01,1,x\n"), 0o644)
	out, err := run(t, env, "--config", cfg, "load", "--kind", "orders", path)
	if err != nil || strings.Contains(out, "INFO") || strings.Contains(out, `"level":"INFO"`) {
		t.Errorf("load without --log-level: err %v; want no INFO lines:\n%s", err, out)
	}
	out, err = run(t, env, "--config", cfg, "--log-level", "info", "load", "--kind", "orders", "--force", path)
	if err != nil || !strings.Contains(out, "ignoring columns") {
		t.Errorf("load --log-level info: err %v; want the INFO line about the ignored column:\n%s", err, out)
	}
	os.WriteFile(cfg, []byte("log:\n  level: info\n"), 0o644)
	out, err = run(t, env, "--config", cfg, "load", "--kind", "orders", "--force", path)
	if err != nil || !strings.Contains(out, "ignoring columns") {
		t.Errorf("load with log.level info in the file: err %v; want the INFO line:\n%s", err, out)
	}
}

// runs lists durations to 0.01 s and each error's first line in full;
// runs show prints one run whole; --json prints the API's run objects; an
// unknown --status is refused naming the valid ones.
func TestRunsShowJSONAndDurationsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	env := map[string]string{config.EnvAddr: chtest.Server(t).Addr(), config.EnvDatabase: conn.Database()}
	cfg := filepath.Join(t.TempDir(), "memberlytics.yaml")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := jobs.NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 21, 3, 0, 0, 200_000_000, time.UTC)
	long := "permanent: " + strings.Repeat("the orders file has a bad row ", 8) + "(the end of the first line)\nsecond line: the query was SELECT 1"
	failed := jobs.Run{RunID: "run-failed", BatchID: "b", Job: "checks", AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Trigger: jobs.TriggerManual,
		Status: jobs.StatusFailed, Attempt: 2, StartedAt: start, FinishedAt: start.Add(90 * time.Millisecond), RowsIn: 7, Owner: "h:1", Error: long,
		Checks: []jobs.CheckResult{{Name: "orders_unique", Status: jobs.CheckFail, Severity: jobs.SeverityFail, Failing: 3, Detail: "3 duplicate order ids"}}}
	if err := store.Write(context.Background(), failed); err != nil {
		t.Fatal(err)
	}

	out, err := run(t, env, "--config", cfg, "runs")
	if err != nil || !strings.Contains(out, "0.09") || !strings.Contains(out, "(the end of the first line) [more: memberlytics runs show run-failed]") ||
		strings.Contains(out, "...") || strings.Contains(out, "second line") {
		t.Errorf("runs: err %v; want 0.09 seconds and the error's whole first line with a pointer to runs show:\n%s", err, out)
	}
	out, err = run(t, env, "--config", cfg, "runs", "show", "run-failed")
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"duration: 0.09 s", "attempts: 2", "rows_in: 7", "orders_unique fail fail 3 3 duplicate order ids"} {
		if err != nil || !strings.Contains(words, want) {
			t.Errorf("runs show: err %v; want %q in:\n%s", err, want, out)
		}
	}
	for _, want := range []string{"error:\n  " + long[:40], "(the end of the first line)\n  second line: the query was SELECT 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs show: err %v; want %q in:\n%s", err, want, out)
		}
	}
	out, err = run(t, env, "--config", cfg, "runs", "--json")
	var list []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["run_id"] != "run-failed" ||
		list[0]["duration_ms"] != float64(90) || list[0]["error"] != long || list[0]["as_of"] != "2026-11-20" {
		t.Errorf("runs --json: err %v; want one run object with duration_ms 90 and the full error:\n%s", err, out)
	}
	out, err = run(t, env, "--config", cfg, "runs", "show", "run-failed", "--json")
	var one map[string]any
	if err != nil || json.Unmarshal([]byte(out), &one) != nil || one["run_id"] != "run-failed" || one["checks"] == nil {
		t.Errorf("runs show --json: err %v; want the run object with its checks:\n%s", err, out)
	}
	if out, err := run(t, env, "--config", cfg, "runs", "show", "nope"); err == nil || !strings.Contains(err.Error(), `no run "nope"`) {
		t.Errorf("runs show of an unknown id: err %v, output %q", err, out)
	}
	out, err = run(t, env, "--config", cfg, "runs", "--status", "bogus")
	if err == nil || !strings.Contains(err.Error(), `unknown status "bogus" (statuses: running, succeeded, failed, cancelled, skipped, abandoned)`) {
		t.Errorf("runs --status bogus: err %v, output %q; want the valid statuses", err, out)
	}
	out, err = run(t, env, "--config", cfg, "runs", "--status", "running", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("runs --json with no runs: err %v, output %q; want []", err, out)
	}
	// run --json prints the runs it made, whether they succeeded or not.
	out, _ = run(t, env, "--config", cfg, "--log-level", "error", "run", "checks", "--as-of", "2026-01-15", "--allow-empty", "--json")
	var made []map[string]any
	if err := json.NewDecoder(strings.NewReader(out)).Decode(&made); err != nil || len(made) != 1 || made[0]["job"] != "checks" ||
		made[0]["as_of"] != "2026-01-15" || made[0]["duration_ms"] == nil {
		t.Errorf("run checks --json: %v; want a JSON array with the checks run:\n%s", err, out)
	}
}
