package exporters

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestDefaultCatalogIntegration exports the models' own member_profile,
// segment_members and kpi_breakdown tables (migrations 027, 028 and 085),
// each of the snapshot's run only, and segment_changes.
func TestDefaultCatalogIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO member_profile (as_of, member_id, joined_at, region, monetary, aov, clv, cohort_month, rfm_segment, run_id)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(testAsOf, "m2", ts("2025-03-04T05:06:07Z"), "east", decimal.RequireFromString("1234.50"), 61.725, ptr(12.5), ptr(day("2025-03-01")), "Champions", "run-2026-01-31"); err != nil {
		t.Fatal(err)
	}
	if err := b.Append(testAsOf, "m1", ts("2025-01-01T00:00:00Z"), "west", decimal.RequireFromString("0"), 0.0, nil, nil, "", "run-2026-01-31"); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	createSegmentMembers(t, conn, [][4]string{{"2026-01-31", "rfm_segment", "Champions", "m2"}, {"2026-01-31", "tier", "Gold", "m1"}})
	// kpi_breakdown: one row of the snapshot's run (run-2026-01-31).
	kb, err := conn.PrepareBatch(ctx, "INSERT INTO kpi_breakdown (as_of, dimension, value, basis, members, revenue, run_id)")
	if err != nil {
		t.Fatal(err)
	}
	if err := kb.Append(testAsOf, "all", "all", "member", uint64(2), decimal.RequireFromString("1234.50"), "run-2026-01-31"); err != nil {
		t.Fatal(err)
	}
	if err := kb.Send(); err != nil {
		t.Fatal(err)
	}
	// category_affinity: one row of the snapshot's run.
	if err := conn.Exec(ctx, `INSERT INTO category_affinity (as_of, member_id, level, category, orders, is_preferred, cross_sell_missing, run_id)
		SELECT toDate('2026-01-31'), 'm2', 1, 'beauty', 3, 1, ['home'], 'run-2026-01-31'`); err != nil {
		t.Fatal(err)
	}

	cat, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := export(t, conn, cat, Options{Dir: dir}, testAsOf)
	folder := filepath.Join(dir, "as_of=2026-01-31")
	checkManifestFiles(t, folder)
	if len(m.Files) != 18 {
		t.Fatalf("%d files, want 6 tables x 3 formats", len(m.Files))
	}
	rows := m.RowsByTable()
	if rows[TableMemberProfile] != 2 || rows[TableSegmentMembers] != 2 || rows[TableSegmentChanges] != 2 || rows[TableCampaignResults] != 0 || rows[TableKPIBreakdown] != 1 || rows[TableCategoryAffinity] != 1 {
		t.Errorf("rows = %v", rows)
	}
	for _, f := range m.Files {
		for _, c := range f.Columns {
			if c.Name == "run_id" {
				t.Errorf("%s exports run_id", f.Path)
			}
		}
	}

	tbl := readPqarrow(t, filepath.Join(folder, "member_profile.parquet"))
	col := map[string]int{}
	for i, f := range tbl.schema.Fields() {
		col[f.Name] = i
	}
	for name, want := range map[string]string{
		"joined_at": "timestamp[us, tz=UTC]", "monetary": "decimal(18, 2)", "cohort_month": "date32",
		"clv": "float64", "r_score": "uint8", "recency_days": "uint32",
	} {
		i, ok := col[name]
		if !ok {
			t.Errorf("member_profile.parquet has no %s", name)
			continue
		}
		if got := tbl.schema.Field(i).Type.String(); got != want {
			t.Errorf("member_profile.parquet %s: %s, want %s", name, got, want)
		}
	}
	if tbl.schema.Field(0).Name != "as_of" || tbl.schema.Field(1).Name != "member_id" {
		t.Errorf("member_profile columns not in table order: %v", tbl.schema)
	}
	got := []string{}
	for _, r := range tbl.rows {
		got = append(got, strings.Join([]string{r[col["member_id"]], r[col["monetary"]], r[col["clv"]], r[col["cohort_month"]], r[col["joined_at"]]}, " "))
	}
	want := []string{
		"m1 0.00 " + null + " " + null + " 2025-01-01T00:00:00Z",
		"m2 1234.50 12.5 2025-03-01 2025-03-04T05:06:07Z",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("member_profile rows\n got %q\nwant %q", got, want)
	}
}
