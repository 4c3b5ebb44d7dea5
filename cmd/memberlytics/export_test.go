package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func exportConfig(t *testing.T) (cfgPath, exportDir string) {
	t.Helper()
	dir := t.TempDir()
	exportDir = filepath.Join(dir, "exports")
	cfgPath = filepath.Join(dir, "memberlytics.yaml")
	if err := os.WriteFile(cfgPath, []byte("exports:\n  dir: "+exportDir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfgPath, exportDir
}

func TestExportRefusesBadFlags(t *testing.T) {
	t.Parallel()
	cfg, exportDir := exportConfig(t)
	// An address nothing listens on: every case must fail before connecting.
	env := map[string]string{config.EnvAddr: "127.0.0.1:1"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "--as-of is required"},
		{[]string{"--as-of", "31/01/2026"}, "want YYYY-MM-DD"},
		{[]string{"--as-of", "2026-01-31", "--tables", "members"}, "not in the export allow-list"},
		{[]string{"--as-of", "2026-01-31", "--tables", "../member_profile"}, "not in the export allow-list"},
		{[]string{"--as-of", "2026-01-31", "--format", "xlsx"}, "unknown export format"},
		{[]string{"--as-of", "2026-01-31", "--out", filepath.Join(exportDir, "..", "elsewhere")}, "outside"},
		{[]string{"--as-of", "2026-01-31", "--out", "/tmp"}, "outside"},
	}
	for _, tt := range tests {
		out, err := run(t, env, append([]string{"--config", cfg, "export"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("export %v: err = %v (output %q), want it to mention %q", tt.args, err, out, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(exportDir), "elsewhere")); err == nil {
		t.Error("a refused --out was created")
	}
}

func TestExportCommandIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO segment_members (as_of, family, segment, member_id, run_id)")
	if err != nil {
		t.Fatal(err)
	}
	d := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, m := range []string{"m2", "m1"} {
		if err := b.Append(d, "rfm", "Champions", m, "mp-run"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	// The date's published snapshot: the export reads member_profile's run.
	sb, err := conn.PrepareBatch(ctx, "INSERT INTO snapshots (as_of, model, run_id, status, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Append(d, "member_profile", "mp-run", "succeeded", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := sb.Send(); err != nil {
		t.Fatal(err)
	}
	cfg, exportDir := exportConfig(t)
	env := map[string]string{config.EnvAddr: chtest.Config(t, conn.Database()).Addr, config.EnvDatabase: conn.Database()}
	out, err := run(t, env, "--config", cfg, "--log-level", "warn", "export", "--as-of", "2026-01-31", "--allow-empty", // no orders loaded
		"--out", filepath.Join(exportDir, "crm"), "--format", "csv", "--tables", "segment_members,segment_changes")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	folder := filepath.Join(exportDir, "crm", "as_of=2026-01-31")
	for _, f := range []string{"segment_members.csv", "segment_changes.csv", "manifest.json", "_SUCCESS"} {
		if _, err := os.Stat(filepath.Join(folder, f)); err != nil {
			t.Errorf("missing %s: %v\noutput: %s", f, err, out)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(folder, "segment_members.csv"))
	if want := "as_of,family,segment,member_id\r\n2026-01-31,rfm,Champions,m1\r\n2026-01-31,rfm,Champions,m2\r\n"; string(csv) != want {
		t.Errorf("segment_members.csv = %q, want %q", csv, want)
	}
	if !strings.Contains(out, "segment_changes.csv") || !strings.Contains(out, "2 rows") {
		t.Errorf("summary does not list the files: %q", out)
	}
}
