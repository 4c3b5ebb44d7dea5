package chtest

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestEnginesIntegration checks that Engines gives a migrated database of
// its own on each engine, named after the engine's version.
func TestEnginesIntegration(t *testing.T) {
	t.Parallel()
	es := Engines(t)
	if len(es) != 2 {
		t.Fatalf("Engines gave %d engines, want 2", len(es))
	}
	prefixes := []string{"clickhouse-", "chdb-"}
	for i, e := range es {
		if !strings.HasPrefix(e.Name, prefixes[i]) {
			t.Errorf("engine %d is %q, want a name starting %q", i, e.Name, prefixes[i])
		}
		var n uint64
		rows, err := e.Conn.Query(context.Background(),
			"SELECT count() FROM system.tables WHERE database = ? AND name IN ('members', 'orders', 'events', 'members_current')", e.Conn.Database())
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
		}
		rows.Close()
		if n != 4 {
			t.Errorf("%s: %d of members, orders, events, members_current in %s, want 4", e.Name, n, e.Conn.Database())
		}
	}
	if es[0].Conn.Database() == es[1].Conn.Database() {
		// Names are random per call; equal names would mean a shared database.
		t.Errorf("both engines use database %q", es[0].Conn.Database())
	}
	v, err := es[1].Conn.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.AtLeast(23, 8) {
		t.Errorf("modern engine is %s, want 23.8 or newer", v)
	}
}

// TestModernDBIsolatedIntegration checks that two chDB sessions see their
// own databases.
func TestModernDBIsolatedIntegration(t *testing.T) {
	t.Parallel()
	a, b := ModernDB(t), ModernDB(t)
	ctx := context.Background()
	if err := a.Exec(ctx, "CREATE TABLE only_a (x UInt8) ENGINE = MergeTree() ORDER BY x"); err != nil {
		t.Fatal(err)
	}
	if err := b.Exec(ctx, "SELECT * FROM only_a"); err == nil {
		t.Fatalf("database %s sees a table created in %s", b.Database(), a.Database())
	}
}
