package loaders_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
	"github.com/memberlytics/memberlytics/sql"
)

// TestClusterLoadIntegration loads the generated files into the two-shard
// test cluster: every row lands on the shard its member hashes to, the
// Distributed views see the single server's counts, a second load is
// skipped, and no staging table is left on any shard.
func TestClusterLoadIntegration(t *testing.T) {
	t.Parallel()
	db, cc := chtest.MigratedCluster(t)
	dir := generated(t, datagen.FormatCSV)
	for _, kind := range []loaders.Kind{loaders.Members, loaders.Orders, loaders.Events, loaders.Items, loaders.Campaigns} {
		path := filepath.Join(dir, string(kind)+".csv")
		want := countLines(t, path) - 1
		res := load(t, cc, loaders.Options{Kind: kind, BatchRows: 300}, path)
		if res.Rows != want || res.Rejected != 0 {
			t.Errorf("%s: loaded %d rows, %d rejected; want %d, 0", kind, res.Rows, res.Rejected, want)
		}
		if got := chtest.QueryUint(t, cc, "SELECT count() FROM "+kind.Table()+"_current"); int64(got) != want {
			t.Errorf("%s_current through the cluster has %d rows, want %d", kind, got, want)
		}
		var sum uint64
		for i, sh := range db.Shards {
			// Items carry no member_id in the file: it comes from orders, so
			// they land on their order's shard.
			n := chtest.QueryUint(t, sh, "SELECT count() FROM "+kind.Table()+"_local")
			wrong := chtest.QueryUint(t, sh, fmt.Sprintf("SELECT count() FROM %s_local WHERE cityHash64(member_id) %% 2 != %d OR member_id = ''", kind.Table(), i))
			if n == 0 || wrong != 0 {
				t.Errorf("%s on shard %d: %d rows, %d of another shard's members; want some, 0", kind, i+1, n, wrong)
			}
			sum += n
			if s := stageTables(t, sh); s != 0 {
				t.Errorf("shard %d: %d staging tables left", i+1, s)
			}
		}
		if int64(sum) != want {
			t.Errorf("%s: shards hold %d rows together, want %d", kind, sum, want)
		}
		if st := ledgerStatus(t, cc, res.FileID); st != "loaded" {
			t.Errorf("%s: ledger status %q, want loaded", kind, st)
		}
		if again := load(t, cc, loaders.Options{Kind: kind}, path); !again.Skipped {
			t.Errorf("%s: second load %+v, want skipped", kind, again)
		}
	}
	if n := chtest.QueryUint(t, db.Shards[1], "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'load_files'"); n != 0 {
		t.Error("the ledger exists on shard 2; it belongs on the initiator only")
	}
}

// TestClusterRepublishIntegration: an attempt died after shard 1 attached
// its rows and before shard 2 did (ledger still "loading"). The next load
// publishes the file again on every shard; FINAL counts every order once.
func TestClusterRepublishIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cc := chtest.MigratedCluster(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	res := load(t, cc, loaders.Options{Kind: loaders.Orders}, path)
	// Rewind to the crash: shard 2 never attached, the ledger says loading.
	if err := db.Shards[1].Exec(ctx, "ALTER TABLE orders_local DROP PARTITION tuple()"); err != nil {
		t.Fatal(err)
	}
	if err := cc.Exec(ctx, `INSERT INTO load_files (file_id, attempt_id, sha256, path, kind, format, source, bytes, rows, rejected, status, error, forced, started_at, finished_at, version)
		SELECT file_id, attempt_id, sha256, path, kind, format, source, bytes, 0, rejected, 'loading', '', forced, started_at, started_at, version + 1
		FROM load_files FINAL WHERE file_id = ?`, res.FileID); err != nil {
		t.Fatal(err)
	}
	if got := chtest.QueryUint(t, cc, "SELECT count() FROM orders_current"); int64(got) >= want {
		t.Fatalf("set-up: %d orders visible, want fewer than %d", got, want)
	}
	again := load(t, cc, loaders.Options{Kind: loaders.Orders}, path)
	if again.Recovered || again.Skipped || again.Rows != want {
		t.Errorf("next load %+v, want a fresh publish of %d rows", again, want)
	}
	if got := chtest.QueryUint(t, cc, "SELECT count() FROM orders_current"); int64(got) != want {
		t.Errorf("orders_current = %d after re-publishing, want %d (each order once)", got, want)
	}
	if got := chtest.QueryUint(t, db.Shards[1], "SELECT count() FROM orders_local"); got == 0 {
		t.Error("shard 2 still has no orders")
	}
	if st := ledgerStatus(t, cc, res.FileID); st != "loaded" {
		t.Errorf("ledger status %q, want loaded", st)
	}
}

// TestClusterShardDownIntegration: with a shard unreachable the
// synchronous insert into the Distributed stage fails, so the file fails,
// nothing is published and the attempt is marked failed.
func TestClusterShardDownIntegration(t *testing.T) {
	t.Parallel()
	_, cc := chtest.MigratedCluster(t)
	// The harness's second cluster: shard 1 plus a port nothing listens on.
	topo := cc.Topology()
	down := warehouse.NewClusterConn(warehouse.Topology{Name: chtest.UnreachableClusterName, Shards: topo.Shards[:1]})
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	res, err := newLoader(t, down, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
	if err == nil {
		t.Fatal("load with a shard down succeeded, want an error")
	}
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("%d orders visible after the failed load, want 0", n)
	}
	if st := ledgerStatus(t, cc, res.FileID); st != "failed" {
		t.Errorf("ledger status %q, want failed", st)
	}
	if n := stageTables(t, cc); n != 0 {
		t.Errorf("%d staging tables left on shard 1", n)
	}
}

// TestClusterMemberChangeCaughtIntegration documents the cluster limit:
// an order re-sent with another member_id lands on that member's shard,
// so FINAL keeps both versions, and the checks job's order_id uniqueness
// test (read through the Distributed table) reports it.
func TestClusterMemberChangeCaughtIntegration(t *testing.T) {
	t.Parallel()
	db, cc := chtest.MigratedCluster(t)
	const header = "order_id,member_id,ordered_at,amount,status,updated_at\n"
	// M1 and M3 hash to different shards (checked below).
	first := writeFile(t, "orders-1.csv", header+"O1,M1,2025-06-01T10:00:00Z,10.00,paid,2025-06-01T10:00:00Z\n")
	second := writeFile(t, "orders-2.csv", header+"O1,M3,2025-06-01T10:00:00Z,10.00,paid,2025-06-02T10:00:00Z\n")
	if chtest.QueryUint(t, cc, "SELECT toUInt64(cityHash64('M1') % 2 = cityHash64('M3') % 2)") != 0 {
		t.Fatal("set-up: M1 and M3 share a shard")
	}
	load(t, cc, loaders.Options{Kind: loaders.Orders}, first)
	load(t, cc, loaders.Options{Kind: loaders.Orders}, second)
	check, err := sql.Jobs("check_orders_order_id_unique")
	if err != nil {
		t.Fatal(err)
	}
	if n := chtest.QueryUint(t, cc, check); n != 1 {
		t.Errorf("check_orders_order_id_unique = %d failing rows, want 1 (O1 on both shards)", n)
	}
	for i, sh := range db.Shards {
		if n := chtest.QueryUint(t, sh, "SELECT count() FROM orders_local"); n != 1 {
			t.Errorf("shard %d holds %d orders, want 1", i+1, n)
		}
	}
}

// TestClusterPartialPublishInvisibleIntegration kills the loader between
// the shards' attaches: shard 1 attached its rows, then the connection
// (the initiator's, so the ledger too) is cut, as when the process dies.
// Nothing of the file is visible through the _current views (the ledger
// does not say loaded), and a reload publishes it exactly once.
func TestClusterPartialPublishInvisibleIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cc := chtest.MigratedCluster(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	topo := cc.Topology()
	first := &flakyConn{Conn: topo.Shards[0], cutAfterAttach: true}
	killed := warehouse.NewClusterConn(warehouse.Topology{Name: topo.Name, Initiator: 0,
		Shards: []warehouse.Conn{first, diesWith{Conn: topo.Shards[1], proc: first}}})
	// A short lease, as the kill leaves it held: the reload waits it out.
	if _, err := newLoader(t, killed, loaders.Options{Kind: loaders.Orders, Lease: 2 * time.Second}).LoadFile(ctx, path); err == nil {
		t.Fatal("load killed after shard 1's attach succeeded, want an error")
	}
	if n := chtest.QueryUint(t, db.Shards[0], "SELECT count() FROM orders_local"); n == 0 {
		t.Fatal("set-up: shard 1 attached nothing before the kill")
	}
	if n := chtest.QueryUint(t, db.Shards[1], "SELECT count() FROM orders_local"); n != 0 {
		t.Fatalf("set-up: shard 2 attached %d rows, want the kill before its attach", n)
	}
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM orders_current"); n != 0 {
		t.Errorf("%d orders of the half-published file visible through orders_current, want 0", n)
	}
	time.Sleep(2500 * time.Millisecond)
	again := load(t, cc, loaders.Options{Kind: loaders.Orders}, path)
	if again.Rows != want || again.Skipped {
		t.Errorf("reload %+v, want a publish of %d rows", again, want)
	}
	if got := chtest.QueryUint(t, cc, "SELECT count() FROM orders_current"); int64(got) != want {
		t.Errorf("orders_current = %d after the reload, want %d (each order once)", got, want)
	}
	if got := chtest.QueryUint(t, cc, "SELECT uniqExact(order_id) FROM orders_current"); int64(got) != want {
		t.Errorf("orders_current has %d distinct orders, want %d", got, want)
	}
	if again := load(t, cc, loaders.Options{Kind: loaders.Orders}, path); !again.Skipped {
		t.Errorf("third load %+v, want skipped", again)
	}
}

// diesWith is a connection of the same process as proc: once proc is cut
// (the process died), its statements fail too.
type diesWith struct {
	warehouse.Conn
	proc *flakyConn
}

func (d diesWith) Exec(ctx context.Context, q string, args ...any) error {
	if d.proc.cut.Load() {
		return errInjected
	}
	return d.Conn.Exec(ctx, q, args...)
}

func (d diesWith) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if d.proc.cut.Load() {
		return nil, errInjected
	}
	return d.Conn.Query(ctx, q, args...)
}
