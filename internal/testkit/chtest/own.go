package chtest

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// OwnServer is a clickhouse-server of one test's own, which the test may
// kill and start again on the same data directory and ports, to see what
// code does when its server dies mid-query. It is not safe for concurrent
// use by several goroutines of the test.
type OwnServer struct {
	dir string
	st  localch.State
}

// NewOwnServer starts a server for this test alone (temp dir, free ports,
// the deploy/local configuration) and stops it and removes its directory
// at cleanup. It skips like Server when no server program is installed.
// Starting one takes a few seconds: use it only for tests that kill it.
func NewOwnServer(t testing.TB) *OwnServer {
	t.Helper()
	if _, _, err := localch.FindBinary(); err != nil {
		if !Required() {
			t.Skipf("skipping: %v (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", err)
		}
		t.Fatalf("test clickhouse: %v", err)
	}
	d, err := os.MkdirTemp("", "memberlytics-chtest-own-")
	if err != nil {
		t.Fatal(err)
	}
	s := &OwnServer{dir: d}
	t.Cleanup(func() {
		_ = localch.Stop(d, 20*time.Second)
		_ = os.RemoveAll(d)
	})
	s.start(t, 0)
	return s
}

func (s *OwnServer) start(t testing.TB, port int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := localch.Start(ctx, localch.Options{Dir: s.dir, TCPPort: port, DieWithParent: true, MaxMemory: 1 << 30})
	if err != nil {
		t.Fatalf("start own clickhouse: %v", err)
	}
	if port != 0 && st.TCPPort != port {
		t.Fatalf("restart own clickhouse: it came back on port %d, not %d (the port was taken)", st.TCPPort, port)
	}
	s.st = st
}

// Addr is the server's native protocol address, the same after Restart.
func (s *OwnServer) Addr() string { return s.st.Addr() }

// Kill kills the server with SIGKILL, as kill -9 would, and returns once
// the process is gone. Its data stays for Restart.
func (s *OwnServer) Kill(t testing.TB) {
	t.Helper()
	if err := syscall.Kill(s.st.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("kill own clickhouse: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := localch.Status(s.dir); errors.Is(err, localch.ErrNotRunning) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kill own clickhouse: process %d still there after 20s", s.st.PID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart starts the server again on the same data directory and port and
// returns once it answers.
func (s *OwnServer) Restart(t testing.TB) {
	t.Helper()
	s.start(t, s.st.TCPPort)
}

// Migrated creates a database on the server, applies every migration and
// returns a connection to it. The connection survives a Kill and Restart:
// it dials again after the server is back.
func (s *OwnServer) Migrated(t testing.TB) *warehouse.CH {
	t.Helper()
	conn := NewDBWith(t, func(c *config.ClickHouse) { c.Addr = s.Addr() }, warehouse.Options{})
	MigrateAll(t, conn)
	return conn
}
