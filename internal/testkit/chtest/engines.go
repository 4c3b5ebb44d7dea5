package chtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chdb"
)

// Engine is one ClickHouse a test runs against: a fresh database on it and
// a name for messages and subtests, "clickhouse-18.16" for the harness's
// server or "chdb-26.7" for the in-process engine (the major.minor is the
// engine's own ServerVersion).
type Engine struct {
	Name string
	Conn warehouse.Conn
}

// The binary's one chDB engine: chDB runs one engine per process, so every
// test shares it, each with a session on a database of its own.
var (
	modernOnce sync.Once
	modernLib  string
	modernDir  string
	modernErr  error
)

// modern returns the library and data directory of the binary's chDB
// engine, locating the library and creating the directory on first use. A
// missing library skips the test, or fails it when Required.
func modern(t testing.TB) (lib, dataDir string) {
	t.Helper()
	modernOnce.Do(func() {
		modernLib, modernErr = chdb.Locate()
		if modernErr != nil {
			return
		}
		modernDir, modernErr = os.MkdirTemp("", "memberlytics-chtest-chdb-")
	})
	if modernErr != nil {
		msg := fmt.Sprintf("chdb (ClickHouse 26.7 in-process): %v; run scripts/fetch-libchdb.sh (make setup) "+
			"or point %s at a libchdb.so", modernErr, chdb.LibraryEnv)
		if !Required() {
			t.Skipf("skipping: %s (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", msg)
		}
		t.Fatalf("test clickhouse required (CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1): %s", msg)
	}
	return modernLib, modernDir
}

// shutdownModern removes the chDB data directory. The engine itself lives
// until the process exits (chDB cannot be booted twice in a process), so
// Shutdown is only for the end of the test binary, after every test's
// sessions are closed.
func shutdownModern() {
	if modernDir != "" {
		_ = os.RemoveAll(modernDir)
		modernDir = ""
	}
}

// ModernDB creates an empty database on the binary's chDB engine
// (ClickHouse 26.7 in-process, see internal/testkit/chdb), returns a session on it,
// and drops it at cleanup (kept when the test failed and
// MEMBERLYTICS_KEEP_TEST_DB=1). The engine starts on first use in a
// temporary directory that Main removes. Without libchdb.so the test skips,
// or fails when CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1.
func ModernDB(t testing.TB) *chdb.Conn {
	t.Helper()
	lib, dir := modern(t)
	name := DBName(t)
	conn, err := chdb.Open(lib, dir, chdb.WithDatabase(name))
	if err != nil {
		t.Fatalf("open chdb test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("MEMBERLYTICS_KEEP_TEST_DB") == "1" {
			t.Logf("kept database %s in chdb data directory %s", name, dir)
			conn.Close()
			return
		}
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(name))
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(warehouse.WorkDatabase(name)))
		conn.Close()
	})
	return conn
}

// ModernMigrated is ModernDB with every migration applied.
func ModernMigrated(t testing.TB) *chdb.Conn {
	t.Helper()
	conn := ModernDB(t)
	MigrateAll(t, conn)
	return conn
}

// EmptyEngines returns an empty database on each engine: the harness's
// server (ClickHouse 18.16 here) first, then chDB. Either engine missing
// skips the test, or fails it when Required.
func EmptyEngines(t testing.TB) []Engine {
	t.Helper()
	old := NewDB(t)
	modern := ModernDB(t)
	return []Engine{
		{Name: engineName(t, "clickhouse", old), Conn: old},
		{Name: engineName(t, "chdb", modern), Conn: modern},
	}
}

// Engines returns a fresh migrated database on each engine, as EmptyEngines.
// Run the same code on each, in subtests named after Engine.Name:
//
//	for _, e := range chtest.Engines(t) {
//		t.Run(e.Name, func(t *testing.T) { ... e.Conn ... })
//	}
func Engines(t testing.TB) []Engine {
	t.Helper()
	es := EmptyEngines(t)
	for _, e := range es {
		MigrateAll(t, e.Conn)
	}
	return es
}

// engineName is kind-major.minor of conn's server version.
func engineName(t testing.TB, kind string, conn warehouse.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := conn.ServerVersion(ctx)
	if err != nil {
		t.Fatalf("%s server version: %v", kind, err)
	}
	return fmt.Sprintf("%s-%d.%d", kind, v.Major, v.Minor)
}
