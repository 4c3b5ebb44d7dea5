package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestReportCmdIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t) // model tables exist but no model has run
	env := map[string]string{
		"MEMBERLYTICS_CLICKHOUSE_ADDR":     chtest.Server(t).Addr(),
		"MEMBERLYTICS_CLICKHOUSE_DATABASE": conn.Database(),
	}
	out := filepath.Join(t.TempDir(), "report.html")
	// No data is loaded either: a deliberate report of an empty date.
	stdout, err := run(t, env, "report", "--as-of", "2026-11-20", "--allow-empty", "--out", out, "--lang", "zh")
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if !strings.Contains(stdout, "report for 2026-11-20 written to "+out) {
		t.Errorf("stdout = %q", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`lang="zh-Hans"`, "会员分析报告", "模型 rfm 在 2026-11-20 没有数据（表 rfm）"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "--out", out}, "no complete snapshot: no date has every model's output yet"},
		{[]string{"report", "--as-of", "2026-11-20", "--lang", "fr", "--out", out}, "--lang"},
		{[]string{"report", "--as-of", "20.11.2026", "--out", out}, "--as-of"},
	}
	for _, tt := range tests {
		if _, err := run(t, env, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}
