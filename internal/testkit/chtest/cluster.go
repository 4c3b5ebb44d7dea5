package chtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// ClusterName is the name the harness's shards know their cluster by in
// <remote_servers>: the first argument of ENGINE = Distributed(...).
const ClusterName = "memberlytics_test"

// ClusterShards is how many single-replica shards the cluster has.
const ClusterShards = 2

// UnreachableClusterName is a second cluster in the same <remote_servers>:
// shard 1 of ClusterName plus a shard on a port nothing listens on, for
// tests of what happens when a shard is down.
const UnreachableClusterName = ClusterName + "_unreachable"

var (
	clusterOnce  sync.Once
	clusterState []localch.State
	clusterDirs  []string
	clusterErr   error
)

// ClusterServers starts, on first use in the test binary, ClusterShards
// local clickhouse-server processes that form the cluster ClusterName (one
// replica per shard, no ZooKeeper, so no ON CLUSTER DDL), and returns
// their states in shard order. Main stops them. It skips like Server when
// no server program is installed.
func ClusterServers(t testing.TB) []localch.State {
	t.Helper()
	clusterOnce.Do(func() { clusterState, clusterErr = startCluster() })
	if clusterErr != nil {
		if errors.Is(clusterErr, localch.ErrNoBinary) && !Required() {
			t.Skipf("skipping: %v (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", clusterErr)
		}
		t.Fatalf("test clickhouse cluster: %v", clusterErr)
	}
	return clusterState
}

// startCluster starts the shards, retrying with fresh ports when one was
// taken between choosing it and the server binding it.
func startCluster() ([]localch.State, error) {
	if _, _, err := localch.FindBinary(); err != nil {
		return nil, err
	}
	var err error
	for range 3 {
		var states []localch.State
		if states, err = startClusterOnce(); err == nil {
			return states, nil
		}
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	return nil, err
}

// queryLog turns on system.query_log on the shards, so a test can see
// which queries a shard ran (for connections with log_queries = 1, see
// ClusterDB.ConnWith).
const queryLog = "<query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>500</flush_interval_milliseconds></query_log>"

// errPortTaken means a chosen port was taken before its server started.
var errPortTaken = errors.New("port taken before the server started")

func startClusterOnce() ([]localch.State, error) {
	// Every shard's config names every shard's port, so the ports are
	// chosen before any server starts.
	ports := make([]int, ClusterShards+1)
	for i := range ports {
		p, err := freeTCPPort(ports[:i])
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	dead := ports[ClusterShards]
	ports = ports[:ClusterShards]
	extra := []string{RemoteServers(map[string][]int{
		ClusterName:            ports,
		UnreachableClusterName: {ports[0], dead},
	}), queryLog}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	states := make([]localch.State, 0, ClusterShards)
	for i, port := range ports {
		d, err := os.MkdirTemp("", fmt.Sprintf("memberlytics-chtest-shard%d-", i+1))
		if err != nil {
			return nil, err
		}
		clusterDirs = append(clusterDirs, d)
		st, err := localch.Start(ctx, localch.Options{Dir: d, TCPPort: port, Extra: extra, DieWithParent: true, MaxMemory: 2 << 30})
		if err != nil {
			shutdownCluster()
			return nil, fmt.Errorf("start shard %d: %w", i+1, err)
		}
		if st.TCPPort != port {
			shutdownCluster()
			return nil, fmt.Errorf("start shard %d on port %d: %w", i+1, port, errPortTaken)
		}
		states = append(states, st)
	}
	return states, nil
}

// RemoteServers renders a <remote_servers> block declaring each cluster
// (name -> ports) with one single-replica shard per port on 127.0.0.1, in
// the order given, connecting as the passwordless default user of the local
// server's users.xml.
func RemoteServers(clusters map[string][]int) string {
	var b strings.Builder
	b.WriteString("<remote_servers>")
	for _, name := range slices.Sorted(maps.Keys(clusters)) {
		b.WriteString("<" + name + ">")
		for _, p := range clusters[name] {
			b.WriteString("<shard><internal_replication>false</internal_replication><replica><host>127.0.0.1</host><port>")
			b.WriteString(strconv.Itoa(p))
			b.WriteString("</port></replica></shard>")
		}
		b.WriteString("</" + name + ">")
	}
	b.WriteString("</remote_servers>")
	return b.String()
}

// freeTCPPort returns a loopback port nothing listens on, not in taken.
func freeTCPPort(taken []int) (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		dup := false
		for _, q := range taken {
			dup = dup || p == q
		}
		if !dup {
			return p, nil
		}
	}
	return 0, errors.New("find a free port: no distinct port after 20 tries")
}

// shutdownCluster stops the cluster's servers, in parallel, and removes
// their directories.
func shutdownCluster() {
	var wg sync.WaitGroup
	for _, d := range clusterDirs {
		wg.Go(func() {
			_ = localch.Stop(d, 20*time.Second)
			_ = os.RemoveAll(d)
		})
	}
	wg.Wait()
	clusterDirs = nil
}

// ClusterDB is one test's database, created on every shard of the cluster.
type ClusterDB struct {
	// Name is the database, the same on every shard.
	Name string
	// Shards holds a connection to the database on each shard, in shard
	// order; Shards[0] is the one a single-address client would use.
	Shards []*warehouse.CH
}

// NewClusterDB creates an empty database of the same name on every shard
// of ClusterServers, returns connections to it, and drops it everywhere at
// cleanup (kept like NewDB's when MEMBERLYTICS_KEEP_TEST_DB=1 and the test
// failed).
func NewClusterDB(t testing.TB) ClusterDB {
	t.Helper()
	states := ClusterServers(t)
	db := ClusterDB{Name: DBName(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, st := range states {
		cfg := Config(t, db.Name)
		cfg.Addr = st.Addr()
		conn, err := warehouse.Open(ctx, cfg, warehouse.Options{})
		if err != nil {
			t.Fatalf("open test database on shard %d: %v", i+1, err)
		}
		db.Shards = append(db.Shards, conn)
		t.Cleanup(func() {
			if t.Failed() && os.Getenv("MEMBERLYTICS_KEEP_TEST_DB") == "1" {
				t.Logf("kept database %s on shard %d (%s)", db.Name, i+1, cfg.Addr)
			} else {
				_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(db.Name))
				_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+warehouse.QuoteIdent(warehouse.WorkDatabase(db.Name)))
			}
			conn.Close()
		})
	}
	return db
}

// ExecEach runs query on every shard in order, as cluster DDL must be sent
// when there is no ZooKeeper/Keeper for ON CLUSTER. It stops at the first
// error, naming the shard.
func (db ClusterDB) ExecEach(ctx context.Context, query string, args ...any) error {
	for i, c := range db.Shards {
		if err := c.Exec(ctx, query, args...); err != nil {
			return fmt.Errorf("shard %d: %w", i+1, err)
		}
	}
	return nil
}

// Conn opens a second set of connections to db, one per shard, with
// warehouse.ClusterSettings (synchronous inserts into Distributed tables),
// and returns them as the ClusterConn memberlytics uses in cluster mode:
// cluster ClusterName, shard 1 the initiator. They close at cleanup.
func (db ClusterDB) Conn(t testing.TB) *warehouse.ClusterConn {
	t.Helper()
	return db.ConnWith(t, warehouse.ClusterSettings)
}

// ConnWith is Conn with other connection settings (include
// warehouse.ClusterSettings to keep inserts synchronous), for example
// log_queries = 1 to find a query in a shard's system.query_log.
func (db ClusterDB) ConnWith(t testing.TB, settings map[string]int) *warehouse.ClusterConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topo := warehouse.Topology{Name: ClusterName}
	for i, st := range ClusterServers(t) {
		cfg := Config(t, db.Name)
		cfg.Addr = st.Addr()
		conn, err := warehouse.Open(ctx, cfg, warehouse.Options{Settings: settings, NoCreateDatabase: true})
		if err != nil {
			t.Fatalf("open cluster connection to shard %d: %v", i+1, err)
		}
		topo.Shards = append(topo.Shards, conn)
	}
	cc := warehouse.NewClusterConn(topo)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// MigratedCluster returns a fresh database on every shard of the test
// cluster, migrated in cluster mode (sharded tables as <table>_local plus
// a Distributed table, home tables on shard 1), and its ClusterConn.
func MigratedCluster(t testing.TB) (ClusterDB, *warehouse.ClusterConn) {
	t.Helper()
	db := NewClusterDB(t)
	cc := db.Conn(t)
	r, err := migrate.New(cc, sql.Migrations(), nil)
	if err != nil {
		t.Fatalf("migrate test cluster: %v", err)
	}
	if err := r.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
		t.Fatalf("migrate test cluster: %v", err)
	}
	if _, err := r.Up(context.Background()); err != nil {
		t.Fatalf("migrate test cluster: %v", err)
	}
	return db, cc
}
