package models

import (
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestOutputTablesHaveCommentsIntegration: BI users read these tables
// directly, so every column carries a comment, and every table has as_of,
// run_id and a _latest view.
func TestOutputTablesHaveCommentsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	tables := []string{"model_metrics", "model_params", "rfm", "cohorts", "engagement", "lifecycle", "lifecycle_flow",
		"tiers", "tier_migration", "member_profile", "segment_members"}
	for _, tb := range tables {
		rows := chtest.Rows(t, conn, "SELECT name, comment FROM system.columns WHERE database = currentDatabase() AND table = ?", tb)
		if len(rows) == 0 {
			t.Errorf("table %s is missing", tb)
		}
		have := map[string]bool{}
		for _, r := range rows {
			have[r[0]] = true
			if strings.TrimSpace(r[1]) == "" {
				t.Errorf("%s.%s has no comment", tb, r[0])
			}
		}
		if !have["as_of"] || !have["run_id"] {
			t.Errorf("%s lacks as_of or run_id", tb)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ?", tb+"_latest"); n != 1 {
			t.Errorf("view %s_latest missing", tb)
		}
	}
}
