package migrate_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestUpTwiceIsNoOpIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.NewDB(t)
	r, err := migrate.New(conn, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := migrate.Load(sql.Migrations())
	applied, err := r.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) || len(all) == 0 {
		t.Fatalf("first Up applied %d of %d migrations", len(applied), len(all))
	}
	snapshot := func() (tables, versions uint64) {
		row, err := conn.Query(ctx, "SELECT count() FROM system.tables WHERE database = ?", conn.Database())
		if err != nil {
			t.Fatal(err)
		}
		defer row.Close()
		row.Next()
		if err := row.Scan(&tables); err != nil {
			t.Fatal(err)
		}
		v, err := conn.Query(ctx, "SELECT count() FROM "+migrate.VersionTable)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		v.Next()
		if err := v.Scan(&versions); err != nil {
			t.Fatal(err)
		}
		return
	}
	tables1, versions1 := snapshot()
	again, err := r.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables2, versions2 := snapshot()
	if len(again) != 0 || tables1 != tables2 || versions1 != versions2 {
		t.Errorf("second Up changed something: applied %v, tables %d -> %d, versions %d -> %d", again, tables1, tables2, versions1, versions2)
	}
	if versions1 != uint64(len(all)) {
		t.Errorf("version table has %d rows, want %d", versions1, len(all))
	}
	pending, err := r.Pending(ctx)
	if err != nil || pending != 0 {
		t.Errorf("Pending = %d, %v; want 0", pending, err)
	}
}

func TestBrokenMigrationNamesItsFileIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.NewDB(t)
	fsys := fstest.MapFS{
		"001_ok.sql":     {Data: []byte("CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree() ORDER BY x;")},
		"002_broken.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = MergeTree() ORDER BY x;\nCREATE TABLE c (x NoSuchType) ENGINE = MergeTree() ORDER BY x;")},
		"003_later.sql":  {Data: []byte("CREATE TABLE IF NOT EXISTS d (x UInt8) ENGINE = MergeTree() ORDER BY x;")},
	}
	r, err := migrate.New(conn, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := r.Up(ctx)
	var merr *migrate.Error
	if !errors.As(err, &merr) {
		t.Fatalf("Up error = %v, want *migrate.Error", err)
	}
	if merr.File != "002_broken.sql" || merr.Statement != 2 {
		t.Errorf("error names %s statement %d, want 002_broken.sql statement 2", merr.File, merr.Statement)
	}
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) || ex.Code != 50 {
		t.Errorf("want the server's exception (code 50, unknown type) inside, got %v", err)
	}
	if !strings.Contains(err.Error(), "002_broken.sql") || !strings.Contains(err.Error(), "NoSuchType") {
		t.Errorf("message %q should name the file and carry the server's message", err)
	}
	if len(applied) != 1 || applied[0] != "001_ok.sql" {
		t.Errorf("applied = %v, want only 001_ok.sql", applied)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st[0].Applied || st[1].Applied || st[2].Applied {
		t.Errorf("status after failure: %+v", st)
	}

	// Fixing the file lets the next run finish, re-running the part-applied
	// migration whole (its statements are idempotent).
	fsys["002_broken.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = MergeTree() ORDER BY x;\nCREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = MergeTree() ORDER BY x;")}
	r2, _ := migrate.New(conn, fsys, nil)
	applied, err = r2.Up(ctx)
	if err != nil || len(applied) != 2 {
		t.Fatalf("after fix: applied %v, err %v", applied, err)
	}
}

func TestChangedMigrationRefusedIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.NewDB(t)
	fsys := fstest.MapFS{"001_a.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree() ORDER BY x")}}
	r, _ := migrate.New(conn, fsys, nil)
	if _, err := r.Up(ctx); err != nil {
		t.Fatal(err)
	}
	fsys["001_a.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE IF NOT EXISTS a (x UInt16) ENGINE = MergeTree() ORDER BY x")}
	r2, _ := migrate.New(conn, fsys, nil)
	if _, err := r2.Up(ctx); !errors.Is(err, migrate.ErrChanged) || !strings.Contains(err.Error(), "001_a.sql") {
		t.Errorf("edited applied migration: err = %v, want ErrChanged naming 001_a.sql", err)
	}
}

func TestPendingOnlyReadsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.NewDB(t)
	r, err := migrate.New(conn, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := migrate.Load(sql.Migrations())
	n, err := r.Pending(ctx)
	if err != nil || n != len(all) {
		t.Fatalf("Pending on an empty database = %d, %v; want %d", n, err, len(all))
	}
	rows, err := conn.Query(ctx, "SELECT count() FROM system.tables WHERE database = ?", conn.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables uint64
	for rows.Next() {
		if err := rows.Scan(&tables); err != nil {
			t.Fatal(err)
		}
	}
	if tables != 0 {
		t.Errorf("Pending created %d tables; a readiness check must not write", tables)
	}
}

// A migration that failed after its ADD COLUMN is re-run whole: the
// column is there already, and 18.16 has no ADD COLUMN IF NOT EXISTS, so
// Up skips that statement instead of failing on it again.
func TestAddColumnRerunAfterFailureIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	ctx := context.Background()
	fsys := fstest.MapFS{
		"001_t.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = MergeTree() ORDER BY a;")},
		"002_c.sql": {Data: []byte("-- adds c and d\nALTER TABLE t ADD COLUMN c UInt8 DEFAULT 7 COMMENT 'c';\n" +
			"ALTER TABLE t ADD COLUMN d UInt8 DEFAULT if(a > 0, 1, 2) COMMENT 'a comma in the default, one column';\nCREATE TABLE IF NOT EXISTS u AS later;")},
	}
	r, err := migrate.New(conn, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	var merr *migrate.Error
	if _, err := r.Up(ctx); !errors.As(err, &merr) || merr.File != "002_c.sql" || merr.Statement != 3 {
		t.Fatalf("first Up: %v, want statement 3 of 002_c.sql to fail", err)
	}
	if err := conn.Exec(ctx, "CREATE TABLE later (x UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	done, err := r.Up(ctx)
	if err != nil || len(done) != 1 || done[0] != "002_c.sql" {
		t.Fatalf("second Up: %v, %v; want 002_c.sql applied", done, err)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = 't' AND name IN ('c', 'd')"); n != 2 {
		t.Errorf("columns c and d: %d, want 2", n)
	}
}
