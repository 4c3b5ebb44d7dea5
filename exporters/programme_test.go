package exporters

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestProgrammeTablesIntegration exports the on-request tables of the
// points and occasions models when named: the rows of each model's
// snapshot run, without run_id, the occasion with its date.
func TestProgrammeTablesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	batch := func(insert string, rows ...[]any) {
		b, err := conn.PrepareBatch(ctx, insert)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := b.Append(r...); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	batch("INSERT INTO occasions (as_of, member_id, occasion, occasion_date, days_until, years, source_date, run_id)",
		[]any{testAsOf, "m1", "birthday", day("2026-02-03"), uint16(3), uint16(61), "1965-02-03", "occ-1"})
	batch("INSERT INTO points_balance (as_of, member_id, tier, earned_total, redeemed_total, expired_total, balance, liability, run_id)",
		[]any{testAsOf, "m2", "Gold", 900.0, 200.0, 100.0, 600.0, 6.0, "pts-1"},
		[]any{testAsOf, "m1", "Bronze", 50.0, 0.0, 0.0, 50.0, 0.5, "pts-1"})
	b, err := conn.PrepareBatch(ctx, "INSERT INTO snapshots (as_of, model, run_id, status, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	for model, run := range map[string]string{"points": "pts-1", "occasions": "occ-1", ProfileModel: "run-1"} {
		if err := b.Append(testAsOf, model, run, "succeeded", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	cat, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := export(t, conn, cat, Options{Dir: dir, Formats: []string{FormatCSV}, Tables: []string{TableOccasions, TablePointsBalance}}, testAsOf)
	if rows := m.RowsByTable(); len(rows) != 2 || rows[TablePointsBalance] != 2 || rows[TableOccasions] != 1 {
		t.Fatalf("rows = %v, want points_balance 2 and occasions 1", rows)
	}
	folder := filepath.Join(dir, "as_of=2026-01-31")
	occ := readCSV(t, filepath.Join(folder, "occasions.csv"))
	if len(occ) != 2 || !slices.Contains(occ[0], "occasion_date") || slices.Contains(occ[0], "run_id") ||
		!slices.Contains(occ[1], "2026-02-03") || !slices.Contains(occ[1], "1965-02-03") {
		t.Errorf("occasions.csv = %v", occ)
	}
	pts := readCSV(t, filepath.Join(folder, "points_balance.csv"))
	if len(pts) != 3 || pts[1][1] != "m1" || pts[2][1] != "m2" {
		t.Errorf("points_balance.csv = %v, want m1 and m2 in member order", pts)
	}
}
