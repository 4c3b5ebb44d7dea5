package chdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// Integration tests share one engine per test binary (chDB allows one per
// process) and each opens its own session on its own database.
var (
	libPath string
	libErr  error
	dataDir string
	dbSeq   atomic.Int64
)

func TestMain(m *testing.M) {
	libPath, libErr = Locate()
	dir, err := os.MkdirTemp("", "memberlytics-chdb-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dataDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireLibrary skips the test when libchdb.so is missing, unless CI=true
// or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1, where a missing library fails it.
func requireLibrary(t testing.TB) {
	t.Helper()
	if libErr == nil {
		return
	}
	if os.Getenv("CI") == "true" || os.Getenv("MEMBERLYTICS_REQUIRE_CLICKHOUSE") == "1" {
		t.Fatalf("chdb engine required (CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1) but %v", libErr)
	}
	t.Skipf("skipping chdb integration test: %v", libErr)
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// openTest opens a session on a fresh database named after the test and
// drops the database when the test ends.
func openTest(t testing.TB) *Conn {
	t.Helper()
	requireLibrary(t)
	db := fmt.Sprintf("t%d_%s", dbSeq.Add(1), strings.ToLower(nonIdent.ReplaceAllString(t.Name(), "_")))
	if len(db) > 60 {
		db = db[:60]
	}
	c, err := Open(libPath, dataDir, WithDatabase(db))
	if err != nil {
		t.Fatalf("open chdb: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+quoteIdent(db)); err != nil {
			t.Errorf("drop test database %s: %v", db, err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func mustExec(t testing.TB, c *Conn, query string, args ...any) {
	t.Helper()
	if err := c.Exec(context.Background(), query, args...); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

// queryOne runs query and scans its only row into dest.
func queryOne(t testing.TB, c *Conn, query string, args []any, dest ...any) {
	t.Helper()
	if err := scanOne(c, query, args, dest...); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
}

func scanOne(c *Conn, query string, args []any, dest ...any) error {
	rows, err := c.Query(context.Background(), query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("no rows")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	if rows.Next() {
		return errors.New("more than one row")
	}
	return rows.Err()
}
