package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
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
