package chtest

import (
	"context"
	"testing"
)

// TestOwnServerKillRestartIntegration kills a test's own server with
// SIGKILL, sees a query fail, restarts it on the same port and data, and
// reads the rows written before the kill through the same connection.
func TestOwnServerKillRestartIntegration(t *testing.T) {
	t.Parallel()
	s := NewOwnServer(t)
	conn := s.Migrated(t)
	ctx := context.Background()
	if err := conn.Exec(ctx, "CREATE TABLE kept (n UInt32) ENGINE = MergeTree() ORDER BY n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "INSERT INTO kept (n) SELECT number FROM system.numbers LIMIT 5"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Kill(t)
	if err := conn.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a query on a killed server succeeded")
	}
	s.Restart(t)
	if s.Addr() != addr {
		t.Errorf("address after restart = %s, want %s", s.Addr(), addr)
	}
	if n := QueryUint(t, conn, "SELECT count() FROM kept"); n != 5 {
		t.Errorf("rows after restart = %d, want 5", n)
	}
}
