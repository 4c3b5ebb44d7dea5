package exporters

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestDeterministicIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	createProbe(t, conn, "probe")
	cat := probeCatalog(t, "probe")
	a, b := t.TempDir(), t.TempDir()
	// Same options (Arrow record batches follow BatchRows), another
	// directory, and a rerun in the same place.
	ma := export(t, conn, cat, Options{Dir: a, BatchRows: 2}, testAsOf)
	export(t, conn, cat, Options{Dir: b, BatchRows: 2}, testAsOf)
	mb := export(t, conn, cat, Options{Dir: b, BatchRows: 2}, testAsOf)
	if ma.RunID == mb.RunID {
		t.Errorf("two runs share run_id %s", ma.RunID)
	}
	for i, f := range ma.Files {
		fa, _ := os.ReadFile(filepath.Join(a, "as_of=2026-01-31", f.Path))
		fb, _ := os.ReadFile(filepath.Join(b, "as_of=2026-01-31", f.Path))
		if len(fa) == 0 || !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two exports (%d and %d bytes)", f.Path, len(fa), len(fb))
		}
		if f.SHA256 != mb.Files[i].SHA256 {
			t.Errorf("%s: manifest checksums differ", f.Path)
		}
	}
}

func TestRetentionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	createProbe(t, conn, "probe")
	cat := probeCatalog(t, "probe")
	dir := t.TempDir()
	// Not an export: retention must leave it alone.
	if err := os.Mkdir(filepath.Join(dir, "as_of=2000-01-01"), 0o750); err != nil {
		t.Fatal(err)
	}
	for i := 3; i >= 0; i-- { // out of date order
		export(t, conn, cat, Options{Dir: dir, KeepLast: 2, Formats: []string{FormatCSV}}, testAsOf.AddDate(0, 0, -i))
	}
	got, err := published(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{testAsOf, testAsOf.AddDate(0, 0, -1)}
	if len(got) != 2 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
		t.Errorf("kept %v, want %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "as_of=2000-01-01")); err != nil {
		t.Errorf("retention removed a folder that is not an export: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "as_of=2026-01-28")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("oldest export still there: %v", err)
	}
	// keep_last 0 keeps all.
	export(t, conn, cat, Options{Dir: dir, Formats: []string{FormatCSV}}, testAsOf.AddDate(0, 0, -10))
	if got, _ := published(dir); len(got) != 3 {
		t.Errorf("keep_last 0 kept %d folders, want 3", len(got))
	}
}

func TestRunAsJobStepIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	createProbe(t, conn, "probe")
	createProbe(t, conn, "probe2")
	e, err := New(conn, probeCatalog(t, "probe", "probe2"), Options{Dir: t.TempDir(), Formats: []string{FormatArrow, FormatParquet}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "export" {
		t.Errorf("Name() = %q", e.Name())
	}
	rows, err := e.Run(context.Background(), testAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows["probe"] != 3 || rows["probe2"] != 3 {
		t.Errorf("Run rows = %v, want probe=3 probe2=3", rows)
	}
}

// Determinism at a size where it can break: 30,000 rows with repeated
// member_ids (ties on the leading sort key), NULLs, an array column, many
// Arrow batches and Parquet row groups. Two exports are byte-identical.
func TestDeterministicManyRowGroupsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE bulk (as_of Date, member_id String, n UInt64, segment String, score Float64,
			amount Decimal(18, 2), seen Nullable(DateTime('UTC')), tags Array(String))
			ENGINE = MergeTree() PARTITION BY as_of ORDER BY (as_of, n)`,
		// Inserted in an order unrelated to the export's, in two parts.
		`INSERT INTO bulk (as_of, member_id, n, segment, score, amount, seen, tags)
			SELECT toDate('2026-01-31'), concat('m', toString(cityHash64(number) % 5000)), number,
				['a', 'b', 'c'][number % 3 + 1], number * 0.37, toDecimal64(number % 1000, 2) / 7,
				if(number % 3 = 0, NULL, toDateTime(1700000000 + number, 'UTC')), [toString(number % 4), 'x']
			FROM system.numbers LIMIT 15000`,
		`INSERT INTO bulk (as_of, member_id, n, segment, score, amount, seen, tags)
			SELECT toDate('2026-01-31'), concat('m', toString(cityHash64(number) % 5000)), number,
				['a', 'b', 'c'][number % 3 + 1], number * 0.37, toDecimal64(number % 1000, 2) / 7,
				if(number % 3 = 0, NULL, toDateTime(1700000000 + number, 'UTC')), [toString(number % 4), 'x']
			FROM (SELECT number + 15000 AS number FROM system.numbers LIMIT 15000)`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	cat := probeCatalog(t, "bulk")
	o := Options{BatchRows: 777, Parquet: ParquetOptions{RowGroupRows: 1000}}
	a, b := t.TempDir(), t.TempDir()
	o.Dir = a
	ma := export(t, conn, cat, o, testAsOf)
	o.Dir = b
	mb := export(t, conn, cat, o, testAsOf)
	for i, f := range ma.Files {
		if f.Rows != 30000 {
			t.Errorf("%s: %d rows, want 30000", f.Path, f.Rows)
		}
		fa, _ := os.ReadFile(filepath.Join(a, "as_of=2026-01-31", f.Path))
		fb, _ := os.ReadFile(filepath.Join(b, "as_of=2026-01-31", f.Path))
		if len(fa) == 0 || !bytes.Equal(fa, fb) || f.SHA256 != mb.Files[i].SHA256 {
			t.Errorf("%s differs between two exports (%d and %d bytes)", f.Path, len(fa), len(fb))
		}
		if f.Format == FormatParquet {
			pf, err := parquet.OpenFile(bytes.NewReader(fa), int64(len(fa)))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(pf.RowGroups()); n != 30 {
				t.Errorf("%s: %d row groups, want 30", f.Path, n)
			}
		}
	}
}
