// Package chtest is the test harness for code that talks to ClickHouse.
//
// A test binary starts one isolated clickhouse-server (temp dir, free
// ports, the deploy/local configuration) the first time a test asks for a
// database, and stops it when the binary ends. Each test gets a database of
// its own, dropped at cleanup, so tests run in parallel.
//
// The contracts in detail are in README.md in this folder.
package chtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/randid"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

var (
	once    sync.Once
	server  localch.State
	dir     string
	startEr error
)

// Main runs the tests and then stops the server, if one was started. Use it
// from TestMain and pass its result to os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	Shutdown()
	return code
}

// Shutdown stops the harness's server and removes its directory, stops the
// cluster's shards (ClusterServers) if they were started, and removes the
// chDB engine's data directory if one was created.
func Shutdown() {
	if dir != "" {
		_ = localch.Stop(dir, 20*time.Second)
		_ = os.RemoveAll(dir)
		dir = ""
	}
	shutdownCluster()
	shutdownReplicated()
	shutdownModern()
}

// Required reports whether a missing ClickHouse must fail tests (CI=true or
// MEMBERLYTICS_REQUIRE_CLICKHOUSE=1) rather than skip them.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("MEMBERLYTICS_REQUIRE_CLICKHOUSE") == "1"
}

// Server starts the binary's server on first use and returns its state.
func Server(t testing.TB) localch.State {
	t.Helper()
	once.Do(func() {
		if addr := os.Getenv("MEMBERLYTICS_TEST_CLICKHOUSE_ADDR"); addr != "" {
			// An explicitly provided server (for debugging); never assumed.
			server = localch.State{TCPPort: portOf(addr)}
			return
		}
		d, err := os.MkdirTemp("", "memberlytics-chtest-")
		if err != nil {
			startEr = err
			return
		}
		dir = d
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		server, startEr = localch.Start(ctx, localch.Options{Dir: d, DieWithParent: true, MaxMemory: 6 << 30})
	})
	if startEr != nil {
		if errors.Is(startEr, localch.ErrNoBinary) && !Required() {
			t.Skipf("skipping: %v (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", startEr)
		}
		t.Fatalf("test clickhouse: %v", startEr)
	}
	return server
}

// Config returns a connection configuration for database db on the
// harness's server.
func Config(t testing.TB, db string) config.ClickHouse {
	st := Server(t)
	c := config.Default().ClickHouse
	c.Addr = st.Addr()
	c.Database = db
	c.ConnectAttempts = 3
	return c
}

// NewDB creates an empty database for this test, returns a connection to
// it, and drops it at cleanup (kept when the test failed and
// MEMBERLYTICS_KEEP_TEST_DB=1, for inspection).
func NewDB(t testing.TB) *warehouse.CH {
	t.Helper()
	return NewDBWith(t, nil, warehouse.Options{})
}

// NewDBWith is NewDB with the connection's settings changed by edit (when
// not nil; for example a one-connection pool, or another address) and
// opened with opt.
func NewDBWith(t testing.TB, edit func(*config.ClickHouse), opt warehouse.Options) *warehouse.CH {
	t.Helper()
	name := DBName(t)
	cfg := Config(t, name)
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := warehouse.Open(ctx, cfg, opt)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("MEMBERLYTICS_KEEP_TEST_DB") == "1" {
			t.Logf("kept database %s on %s", name, cfg.Addr)
			conn.Close()
			return
		}
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(name))
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(warehouse.WorkDatabase(name)))
		conn.Close()
	})
	return conn
}

// Migrated is NewDB with every migration applied.
func Migrated(t testing.TB) *warehouse.CH {
	t.Helper()
	conn := NewDB(t)
	MigrateAll(t, conn)
	return conn
}

// MigrateAll applies every embedded migration to conn.
func MigrateAll(t testing.TB, conn warehouse.Conn) {
	t.Helper()
	r, err := migrate.New(conn, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Up(context.Background()); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
}

// DBName returns a database name unique to this test run.
func DBName(t testing.TB) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, t.Name())
	if len(base) > 40 {
		base = base[:40]
	}
	return fmt.Sprintf("t_%s_%s", base, randid.Hex(4))
}

func portOf(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	var p int
	fmt.Sscanf(addr[i+1:], "%d", &p)
	return p
}
