package exporters

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// createSegmentMembers inserts (as_of, family, segment, member_id) rows
// into the migrated segment_members, with run_id "run-<as_of>", and
// publishes a snapshot of each date naming that run for member_profile.
func createSegmentMembers(t *testing.T, conn warehouse.Conn, rows [][4]string) {
	t.Helper()
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO segment_members (as_of, family, segment, member_id, run_id)")
	if err != nil {
		t.Fatal(err)
	}
	dates := map[string]bool{}
	for _, r := range rows {
		if err := b.Append(day(r[0]), r[1], r[2], r[3], "run-"+r[0]); err != nil {
			t.Fatal(err)
		}
		dates[r[0]] = true
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	for d := range dates {
		publishSnapshot(t, conn, d)
	}
}

// publishSnapshot records a snapshot of date d whose member_profile and
// campaigns, kpi_breakdown and category_affinity runs are "run-<d>", as the models publish one.
func publishSnapshot(t *testing.T, conn warehouse.Conn, d string) {
	t.Helper()
	ctx := context.Background()
	if err := conn.Exec(ctx, "ALTER TABLE snapshots DROP PARTITION '"+d+"'"); err != nil {
		t.Fatal(err)
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO snapshots (as_of, model, run_id, status, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{ProfileModel, "campaigns", "kpi_breakdown", "category_affinity"} {
		if err := b.Append(day(d), model, "run-"+d, "succeeded", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestSegmentChangesIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	d1, d2 := "2026-01-30", "2026-01-31"
	createSegmentMembers(t, conn, [][4]string{
		{d1, "rfm", "Champions", "m1"}, {d2, "rfm", "Champions", "m1"}, // unchanged
		{d1, "rfm", "Loyal", "m2"}, {d2, "rfm", "At Risk", "m2"}, // moved
		{d1, "rfm", "Lost", "m3"}, // left the family
		{d2, "rfm", "New", "m4"},  // entered
		{d1, "tier", "Gold", "m2"}, {d2, "tier", "Gold", "m2"},
		{d1, "tier", "Silver", "m1"}, {d2, "tier", "Gold", "m1"},
		{"2026-01-29", "rfm", "Lost", "m9"}, // an as_of never exported
	})
	changes, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := Options{Dir: dir, Tables: []string{TableSegmentMembers, TableSegmentChanges}, Formats: []string{FormatCSV}}

	// First export: no previous one, so every membership "entered".
	m1 := export(t, conn, changes, o, day(d1))
	if m1.PreviousAsOf != "" {
		t.Errorf("first export previous_as_of = %q", m1.PreviousAsOf)
	}
	first := readCSV(t, filepath.Join(dir, "as_of="+d1, "segment_changes.csv"))
	if len(first) != 6 { // header + 5 memberships of d1
		t.Errorf("first export: %d change rows, want 5: %q", len(first)-1, first)
	}
	for _, r := range first[1:] {
		if r[1] != "" || r[6] != "entered" || r[4] != "" {
			t.Errorf("first export row %q: want previous_as_of empty, previous_segment empty, change entered", r)
		}
	}

	m2 := export(t, conn, changes, o, day(d2))
	if m2.PreviousAsOf != d1 {
		t.Errorf("second export previous_as_of = %q, want %s", m2.PreviousAsOf, d1)
	}
	got := readCSV(t, filepath.Join(dir, "as_of="+d2, "segment_changes.csv"))
	want := [][]string{
		{"as_of", "previous_as_of", "family", "member_id", "previous_segment", "new_segment", "change"},
		{d2, d1, "tier", "m1", "Silver", "Gold", "moved"},
		{d2, d1, "rfm", "m2", "Loyal", "At Risk", "moved"},
		{d2, d1, "rfm", "m3", "Lost", "", "exited"},
		{d2, d1, "rfm", "m4", "", "New", "entered"},
	}
	if strings.Join(flatten(got), "|") != strings.Join(flatten(want), "|") {
		t.Errorf("segment_changes\n got %q\nwant %q", got, want)
	}
	var types []string
	for _, f := range m2.Files {
		if f.Table == TableSegmentChanges {
			for _, c := range f.Columns {
				types = append(types, c.Type)
			}
		}
	}
	if strings.Join(types, ",") != "Date,Nullable(Date),String,String,String,String,String" {
		t.Errorf("segment_changes types %v", types)
	}
	members := readCSV(t, filepath.Join(dir, "as_of="+d2, "segment_members.csv"))
	if len(members) != 6 || members[1][3] != "m1" || members[1][1] != "rfm" || members[2][1] != "tier" {
		t.Errorf("segment_members not ordered by member_id, family: %q", members)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// A date without a snapshot is refused before anything is written; a
// family losing more than MaxExitShare of its members is refused unless
// AllowMassExit.
func TestExportRefusesUnpublishedDatesAndMassExitsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	d1, d2 := "2026-01-30", "2026-01-31"
	createSegmentMembers(t, conn, [][4]string{
		{d1, "rfm", "Champions", "m1"}, {d1, "rfm", "Loyal", "m2"}, {d1, "rfm", "Lost", "m3"},
		{d1, "tier", "Gold", "m1"},
		{d2, "rfm", "Champions", "m1"}, {d2, "tier", "Gold", "m1"}, // m2 and m3 leave rfm: 2 of 3
	})
	cat, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := Options{Dir: dir, Formats: []string{FormatCSV}}
	e, err := New(conn, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.Export(ctx, day("2026-01-29")); !errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), "memberlytics run all --as-of 2026-01-29") {
		t.Errorf("export of a date without a snapshot: err = %v, want ErrNoSnapshot saying what to run", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 1 { // the lock file only
		t.Errorf("a refused export left %d entries in the export dir", len(entries))
	}
	export(t, conn, cat, o, day(d1))
	_, err = e.Export(ctx, day(d2))
	if !errors.Is(err, ErrMassExit) || !strings.Contains(err.Error(), "rfm: 2 of 3 members") || !strings.Contains(err.Error(), "--allow-mass-exit") {
		t.Errorf("export with 2 of 3 rfm members leaving: err = %v, want ErrMassExit naming the family and the flag", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "as_of="+d2)); !os.IsNotExist(err) {
		t.Errorf("a refused export published its folder (%v)", err)
	}
	o.MaxExitShare = 0.7
	export(t, conn, cat, o, day(d2))
	o.MaxExitShare, o.AllowMassExit = 0.1, true
	export(t, conn, cat, o, day(d2))
	o.MaxExitShare = 1.5
	if _, err := New(conn, cat, o); err == nil {
		t.Error("New accepted MaxExitShare 1.5")
	}
}

// TestExitCheckSkipsRotatingFamiliesIntegration: the occasion family
// (members with a birthday or anniversary in the next days) emptying and
// refilling between exports does not refuse the export, by default and
// through the config; the same rotation in a checked family, and a mass
// exit from rfm alongside it, still do.
func TestExitCheckSkipsRotatingFamiliesIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	d1, d2, d3 := "2026-02-01", "2026-02-08", "2026-02-15"
	createSegmentMembers(t, conn, [][4]string{
		{d1, "rfm", "Champions", "m1"}, {d1, "rfm", "Loyal", "m2"}, {d1, "rfm", "Lost", "m3"},
		{d1, "occasion", "birthday", "m4"}, {d1, "occasion", "birthday", "m5"}, {d1, "occasion", "anniversary", "m6"},
		// Every occasion member leaves; rfm is unchanged.
		{d2, "rfm", "Champions", "m1"}, {d2, "rfm", "Loyal", "m2"}, {d2, "rfm", "Lost", "m3"},
		{d2, "occasion", "birthday", "m7"},
		// m2 and m3 leave rfm (2 of 3), m7 leaves occasion (1 of 1).
		{d3, "rfm", "Champions", "m1"},
		{d3, "occasion", "anniversary", "m4"},
	})
	cat, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	def := OptionsFromConfig(config.Default().Exports)
	def.Dir, def.Formats = dir, []string{FormatCSV}
	if fmt.Sprint(def.ExitCheckSkipFamilies) != "[occasion]" {
		t.Errorf("exports.exit_check_skip_families defaults to %v, want [occasion]", def.ExitCheckSkipFamilies)
	}
	export(t, conn, cat, def, day(d1))

	// Checking every family, the rotation is a mass exit.
	all := def
	all.ExitCheckSkipFamilies = []string{}
	e, err := New(conn, cat, all)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Export(ctx, day(d2)); !errors.Is(err, ErrMassExit) || !strings.Contains(err.Error(), "occasion: 3 of 3 members") {
		t.Errorf("export of %s checking every family: err = %v, want ErrMassExit naming occasion", d2, err)
	}
	// Skipped by default (Options without the field) and by the config.
	export(t, conn, cat, Options{Dir: dir, Formats: []string{FormatCSV}}, day(d2))
	export(t, conn, cat, def, day(d2))

	e, err = New(conn, cat, def)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Export(ctx, day(d3))
	if !errors.Is(err, ErrMassExit) || !strings.Contains(err.Error(), "rfm: 2 of 3 members") {
		t.Errorf("export of %s with 2 of 3 rfm members leaving: err = %v, want ErrMassExit naming rfm", d3, err)
	}
	if err != nil && strings.Contains(err.Error(), "occasion") {
		t.Errorf("export of %s: err = %v names the skipped family occasion", d3, err)
	}
}
