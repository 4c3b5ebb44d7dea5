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
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// ReplicatedClusterName is the cluster the replicated test servers know
// in their <remote_servers>.
const ReplicatedClusterName = "memberlytics_replicated"

// Replicated is a replicated cluster of a test: a ZooKeeper and
// Shards x Replicas local servers (localch.StartCluster), which the test
// may stop and start again, server by server.
type Replicated struct {
	*localch.Cluster
}

// ReplicatedCluster starts a cluster of shards x replicas servers and a
// ZooKeeper for this test alone, and stops it and removes its directory
// at cleanup. It skips like Server when clickhouse-server or ZooKeeper is
// missing, and fails instead under CI=true or
// MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 (scripts/setup.sh installs both).
// Starting one takes several seconds.
func ReplicatedCluster(t testing.TB, shards, replicas int) *Replicated {
	t.Helper()
	c, err := startReplicated(shards, replicas)
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(func() {
		c.Stop()
		_ = os.RemoveAll(c.Dir)
	})
	return &Replicated{Cluster: c}
}

func startReplicated(shards, replicas int) (*localch.Cluster, error) {
	d, err := os.MkdirTemp("", "memberlytics-chtest-replicated-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := localch.StartCluster(ctx, localch.ClusterOptions{Dir: d, Name: ReplicatedClusterName, Shards: shards, Replicas: replicas,
		DieWithParent: true, MaxMemory: 1 << 30})
	if err != nil {
		_ = os.RemoveAll(d)
		return nil, fmt.Errorf("start replicated cluster: %w", err)
	}
	return c, nil
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if (errors.Is(err, localch.ErrNoBinary) || errors.Is(err, localch.ErrNoZooKeeper)) && !Required() {
		t.Skipf("skipping: %v (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", err)
	}
	t.Fatalf("test replicated cluster: %v", err)
}

var (
	sharedReplicatedOnce sync.Once
	sharedReplicated     *localch.Cluster
	sharedReplicatedErr  error
)

// SharedReplicated returns the test binary's 2 x 2 replicated cluster,
// started on first use and stopped by Main. Tests must not stop its
// servers (use ReplicatedCluster for that).
func SharedReplicated(t testing.TB) *Replicated {
	t.Helper()
	sharedReplicatedOnce.Do(func() { sharedReplicated, sharedReplicatedErr = startReplicated(2, 2) })
	if sharedReplicatedErr != nil {
		skipOrFail(t, sharedReplicatedErr)
	}
	return &Replicated{Cluster: sharedReplicated}
}

func shutdownReplicated() {
	if sharedReplicated != nil {
		sharedReplicated.Stop()
		_ = os.RemoveAll(sharedReplicated.Dir)
		sharedReplicated = nil
	}
}

// ReplicatedDB is one test's database on every server of a replicated
// cluster.
type ReplicatedDB struct {
	// Name is the database, the same on every server.
	Name string
	// Cluster is the servers.
	Cluster *Replicated
	// Nodes holds a connection to the database on each server, by shard
	// then replica, for checks of one replica.
	Nodes [][]*warehouse.CH
}

// NewDB creates an empty database of one name on every server of c and
// drops it everywhere at cleanup (when the servers are up).
func (c *Replicated) NewDB(t testing.TB) ReplicatedDB {
	t.Helper()
	db := ReplicatedDB{Name: DBName(t), Cluster: c}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, row := range c.Nodes {
		var conns []*warehouse.CH
		for _, n := range row {
			cfg := Config(t, db.Name)
			cfg.Addr = n.Addr()
			conn, err := warehouse.Open(ctx, cfg, warehouse.Options{})
			if err != nil {
				t.Fatalf("open test database on %s: %v", n.Name(), err)
			}
			conns = append(conns, conn)
			t.Cleanup(func() {
				if !(t.Failed() && os.Getenv("MEMBERLYTICS_KEEP_TEST_DB") == "1") {
					dctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					_ = conn.Exec(dctx, "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(db.Name))
					_ = conn.Exec(dctx, "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(warehouse.WorkDatabase(db.Name)))
				}
				conn.Close()
			})
		}
		db.Nodes = append(db.Nodes, conns)
	}
	return db
}

// Conn returns the ClusterConn memberlytics uses on a replicated cluster
// (Topology.Replicated, ON CLUSTER DDL): per shard a connection that
// fails over between the shard's replicas in order, plus one per replica.
// The initiator is shard 1, replica 1 first. Connections close at cleanup.
func (db ReplicatedDB) Conn(t testing.TB) *warehouse.ClusterConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topo := warehouse.Topology{Name: ReplicatedClusterName, OnCluster: true, Replicated: true}
	for i, addrs := range db.Cluster.Addrs() {
		cfg := Config(t, db.Name)
		cfg.Addr = addrs[0]
		cfg.ConnectAttempts = 1
		conn, err := warehouse.Open(ctx, cfg, warehouse.Options{Settings: warehouse.ClusterSettings, NoCreateDatabase: true, Failover: addrs[1:]})
		if err != nil {
			t.Fatalf("open cluster connection to shard %d: %v", i+1, err)
		}
		topo.Shards = append(topo.Shards, conn)
		var reps []warehouse.Conn
		for _, a := range addrs {
			cfg.Addr = a
			rc, err := warehouse.Open(ctx, cfg, warehouse.Options{Settings: warehouse.ClusterSettings, NoCreateDatabase: true})
			if err != nil {
				t.Fatalf("open connection to replica %s: %v", a, err)
			}
			reps = append(reps, rc)
		}
		topo.Replicas = append(topo.Replicas, reps)
	}
	cc := warehouse.NewClusterConn(topo)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// Migrate applies every migration to db in replicated mode through cc.
func (db ReplicatedDB) Migrate(t testing.TB, cc *warehouse.ClusterConn) {
	t.Helper()
	r, err := migrate.New(cc, sql.Migrations(), nil)
	if err != nil {
		t.Fatalf("migrate replicated cluster: %v", err)
	}
	if err := r.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
		t.Fatalf("migrate replicated cluster: %v", err)
	}
	if _, err := r.Up(context.Background()); err != nil {
		t.Fatalf("migrate replicated cluster: %v", err)
	}
}

// MigratedReplicated returns a fresh database on every server of the
// binary's shared 2 x 2 replicated cluster, migrated in replicated mode,
// and its ClusterConn.
func MigratedReplicated(t testing.TB) (ReplicatedDB, *warehouse.ClusterConn) {
	t.Helper()
	db := SharedReplicated(t).NewDB(t)
	cc := db.Conn(t)
	db.Migrate(t, cc)
	return db, cc
}

// ReplicaDiff compares, shard by shard, every replicated table of db
// (engine Replicated*) across the shard's replicas after SYSTEM SYNC
// REPLICA on each: row count and an order-independent checksum of every
// column. It returns one line per table that differs; none when the
// replicas agree.
func (db ReplicatedDB) ReplicaDiff(t testing.TB) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out []string
	for s, row := range db.Nodes {
		tables := Rows(t, row[0], "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE 'Replicated%' ORDER BY name")
		for _, tr := range tables {
			table := tr[0]
			var cols []string
			for _, c := range Rows(t, row[0], "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ?", table) {
				cols = append(cols, "ifNull(toString("+warehouse.QuoteIdent(c[0])+"), '\\N')")
			}
			sum := "sum(cityHash64(" + strings.Join(cols, ", ") + "))"
			var first string
			for r, conn := range row {
				if err := conn.Exec(ctx, "SYSTEM SYNC REPLICA "+warehouse.QuoteIdent(table)); err != nil {
					t.Fatalf("sync replica %s of %s: %v", db.Cluster.Nodes[s][r].Name(), table, err)
				}
				got := QueryString(t, conn, "SELECT concat(toString(count()), ' rows, checksum ', toString("+sum+")) FROM "+warehouse.QuoteIdent(table))
				if r == 0 {
					first = got
				} else if got != first {
					out = append(out, fmt.Sprintf("shard %d %s: %s on %s, %s on %s", s+1, table, first, db.Cluster.Nodes[s][0].Name(), got, db.Cluster.Nodes[s][r].Name()))
				}
			}
		}
	}
	return out
}

// OnClusterConn returns the ClusterConn of `on_cluster: true` without
// `replicated`: DDL goes once, ON CLUSTER, through the distributed DDL
// queue, and tables stay plain MergeTree. The cluster should have one
// replica per shard (ReplicatedCluster(t, shards, 1)): a plain table on
// two replicas of a shard would hold two unrelated copies. Connections
// close at cleanup.
func (db ReplicatedDB) OnClusterConn(t testing.TB) *warehouse.ClusterConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topo := warehouse.Topology{Name: ReplicatedClusterName, OnCluster: true}
	for i, addrs := range db.Cluster.Addrs() {
		cfg := Config(t, db.Name)
		cfg.Addr = addrs[0]
		cfg.ConnectAttempts = 1
		conn, err := warehouse.Open(ctx, cfg, warehouse.Options{Settings: warehouse.ClusterSettings, NoCreateDatabase: true})
		if err != nil {
			t.Fatalf("open cluster connection to shard %d: %v", i+1, err)
		}
		topo.Shards = append(topo.Shards, conn)
	}
	cc := warehouse.NewClusterConn(topo)
	t.Cleanup(func() { cc.Close() })
	return cc
}
