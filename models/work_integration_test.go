package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// mainWorkTables lists stage and scratch tables in the main database.
func mainWorkTables(t *testing.T, conn warehouse.Conn) string {
	t.Helper()
	return chtest.QueryString(t, conn, `SELECT arrayStringConcat(groupArray(name), ',') FROM system.tables
		WHERE database = currentDatabase() AND (name LIKE '%\\_stage\\_%' OR name LIKE '%\\_tmp\\_%')`)
}

func workTables(t *testing.T, conn warehouse.Conn) uint64 {
	t.Helper()
	return chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database = ?", warehouse.WorkDatabase(conn.Database()))
}

// TestWorkTablesOutOfMainDatabaseIntegration: while a model fills its stage
// and scratch tables, the main database (all a BI user may read) shows
// none of them.
func TestWorkTablesOutOfMainDatabaseIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	day, _ := asof.Parse("2024-03-31")
	q := query.MustParse("rfm", "-- name: unused\nSELECT 1\n").On(conn) // Scratch and Stage only
	err := func() error {
		sc, err := q.Scratch(ctx)
		if err != nil {
			return err
		}
		defer sc.Drop()
		if err := conn.Exec(ctx, "CREATE TABLE "+sc.Table("base")+" (member_id String) ENGINE = Memory"); err != nil {
			return err
		}
		_, err = q.Stage(ctx, "rfm", day, func(stage string) error {
			if s := mainWorkTables(t, conn); s != "" {
				t.Errorf("work tables in the main database during a model run: %s", s)
			}
			if n := workTables(t, conn); n != 2 {
				t.Errorf("%d tables in the work database during the run, want the stage and the scratch", n)
			}
			return nil
		})
		return err
	}()
	if err != nil {
		t.Fatal(err)
	}
	if n := workTables(t, conn); n != 0 {
		t.Errorf("%d work tables left after the run", n)
	}
}

// cutConn passes calls through until a statement matching cutAt has run;
// then every call fails, as when the process loses the server mid-run (so
// even the deferred DROP of the stage does not reach it).
type cutConn struct {
	warehouse.Conn
	cutAt string
	cut   atomic.Bool
}

var errCut = errors.New("injected: connection lost")

func (c *cutConn) Exec(ctx context.Context, q string, args ...any) error {
	if c.cut.Load() {
		return errCut
	}
	err := c.Conn.Exec(ctx, q, args...)
	if strings.Contains(q, c.cutAt) {
		c.cut.Store(true)
	}
	return err
}

func (c *cutConn) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if c.cut.Load() {
		return nil, errCut
	}
	return c.Conn.Query(ctx, q, args...)
}

// TestLeftoverWorkTablesIntegration: a run that lost the server leaves its
// stage; a sweep within the run's lease keeps it, a dry run after the
// lease lists it, and the sweep after the lease drops it. A leftover of a
// version before the work database (in the main database) goes too.
func TestLeftoverWorkTablesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	day, _ := asof.Parse("2024-03-31")
	cc := &cutConn{Conn: conn, cutAt: "CREATE TABLE"}
	if _, err := query.ReplacePartition(ctx, cc, "cohorts", day, func(string) error { return nil }); err == nil {
		t.Fatal("replace succeeded on a cut connection")
	}
	if n := workTables(t, conn); n != 1 {
		t.Fatalf("%d work tables after the crash, want its stage", n)
	}
	if err := conn.Exec(ctx, "CREATE TABLE cohorts_base_tmp_0123abcd (member_id String) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	if got, err := SweepWork(ctx, conn, SweepOptions{}); err != nil || len(got) != 0 {
		t.Fatalf("sweep within the lease dropped %v (err %v), want nothing", got, err)
	}
	later := func() time.Time { return time.Now().Add(query.WorkLease + time.Hour) }
	dry, err := SweepWork(ctx, conn, SweepOptions{Now: later, DryRun: true})
	if err != nil || len(dry) != 2 {
		t.Fatalf("dry run lists %v (err %v), want the stage and the legacy scratch", dry, err)
	}
	if n := workTables(t, conn); n != 1 {
		t.Errorf("dry run dropped tables: %d left, want 1", n)
	}
	got, err := SweepWork(ctx, conn, SweepOptions{Now: later})
	if err != nil || fmt.Sprint(got) != fmt.Sprint(dry) {
		t.Fatalf("sweep dropped %v (err %v), want %v", got, err, dry)
	}
	if n := workTables(t, conn); n != 0 {
		t.Errorf("%d work tables left after the sweep", n)
	}
	if s := mainWorkTables(t, conn); s != "" {
		t.Errorf("left in the main database: %s", s)
	}
}

// TestRunDropsExpiredWorkTablesIntegration: the next model run drops a
// work table whose lease has passed and keeps one still within it.
func TestRunDropsExpiredWorkTablesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	expired := fmt.Sprintf("tiers_stage_%d_0badcafe", time.Now().Add(-time.Minute).Unix())
	live := fmt.Sprintf("tiers_stage_%d_0badf00d", time.Now().Add(query.WorkLease).Unix())
	for _, n := range []string{expired, live} {
		if err := conn.Exec(ctx, "CREATE TABLE "+warehouse.WorkTable(conn.Database(), n)+" (x UInt8) ENGINE = Memory"); err != nil {
			t.Fatal(err)
		}
	}
	day, _ := asof.Parse("2024-03-31")
	if _, err := RunOne(ctx, countModel{}, Env{Conn: conn, RunID: "r1"}, day); err != nil {
		t.Fatal(err)
	}
	got := chtest.QueryString(t, conn, "SELECT arrayStringConcat(groupArray(name), ',') FROM system.tables WHERE database = ?", warehouse.WorkDatabase(conn.Database()))
	if got != live {
		t.Errorf("work database after the run holds %q, want only %q", got, live)
	}
}
