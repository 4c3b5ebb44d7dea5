package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/loaders"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/sql"
)

// TestReplicatedClusterEqualsSingleNodeIntegration is issue 22's
// equality: the same generated data loaded with the loaders into one
// server and into a 2 x 2 replicated cluster (ON CLUSTER migrations,
// Replicated*MergeTree, ZooKeeper), every model of `run all` for two
// as_of dates on each, and every table and view compared as in
// TestClusterEqualsSingleNodeIntegration. Then every replicated table
// holds the same rows (count and checksum) on both replicas of each shard.
// It also checks the replicated schema (checkReplicatedSchema).
func TestReplicatedClusterEqualsSingleNodeIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const members = 400
	dir := t.TempDir()
	if err := compat.Generate(ctx, dir, members, 17); err != nil {
		t.Fatal(err)
	}
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	single := chtest.Migrated(t)
	start := time.Now()
	db, cluster := chtest.MigratedReplicated(t)
	t.Logf("2x2 replicated: migrated ON CLUSTER in %.1fs", time.Since(start).Seconds())
	checkReplicatedSchema(t, db, cluster)
	asOfs := []time.Time{datagen.DefaultEnd.AddDate(0, 0, -32), datagen.DefaultEnd.AddDate(0, 0, -1)}
	load, run, _ := loadAndRun(t, single, dir, reg, asOfs)
	t.Logf("one server: load %.2fs, models %.2fs", load.Seconds(), run.Seconds())
	load, run, _ = loadAndRun(t, cluster, dir, reg, asOfs)
	t.Logf("2x2 replicated: load %.2fs, models %.2fs", load.Seconds(), run.Seconds())

	schema, err := compat.ReadSchema(ctx, single)
	if err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{"members": true, "orders": true, "events": true, migrate.VersionTable: true,
		"load_files": true, "load_rejects": true, "load_leases": true}
	compared := 0
	for name, ts := range schema.Tables {
		if skip[name] {
			continue
		}
		for _, p := range clusterPasses(name) {
			a, err := compat.Snapshot(ctx, single, ts, p.opt)
			if err != nil {
				t.Fatalf("one server: %v", err)
			}
			b, err := compat.Snapshot(ctx, cluster, ts, p.opt)
			if err != nil {
				t.Errorf("2x2 replicated: %v", err)
				continue
			}
			for _, d := range compat.CompareTables("one-server", a, "replicated", b, p.tol) {
				t.Errorf("%s (%s): %s", name, p.what, d)
			}
			if len(a.Rows) > 0 {
				compared++
			}
		}
	}
	if compared < 20 {
		t.Errorf("compared only %d non-empty tables and views", compared)
	}
	t.Logf("compared %d non-empty tables and views", compared)
	for _, d := range db.ReplicaDiff(t) {
		t.Errorf("replicas differ: %s", d)
	}
	// Both replicas of each shard hold rows (replication, not one copy).
	for s, row := range db.Nodes {
		for r, conn := range row {
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm_local"); n == 0 {
				t.Errorf("%s: rfm_local is empty", db.Cluster.Nodes[s][r].Name())
			}
		}
	}
}

func TestParseTopology(t *testing.T) {
	t.Parallel()
	if s, r, err := parseTopology("2x3"); err != nil || s != 2 || r != 3 {
		t.Errorf("parseTopology(2x3) = %d, %d, %v", s, r, err)
	}
	for _, bad := range []string{"", "2", "0x2", "2x", "axb", "10x1"} {
		if _, _, err := parseTopology(bad); err == nil || !strings.Contains(err.Error(), "want SHARDSxREPLICAS") {
			t.Errorf("parseTopology(%q) = %v, want the SHARDSxREPLICAS error", bad, err)
		}
	}
}

// checkReplicatedSchema checks what the ON CLUSTER migration made: on
// every server the sharded and home tables are Replicated*MergeTree, the
// Distributed tables and views are there; a second Up applies nothing and
// ShardProblems finds nothing.
func checkReplicatedSchema(t *testing.T, db chtest.ReplicatedDB, cc *warehouse.ClusterConn) {
	t.Helper()
	for s, row := range db.Nodes {
		for r, conn := range row {
			name := db.Cluster.Nodes[s][r].Name()
			for table, want := range map[string]string{
				"orders_local": "ReplicatedReplacingMergeTree", "orders": "Distributed", "orders_current": "View",
				"rfm_local": "ReplicatedMergeTree", "load_files": "ReplicatedReplacingMergeTree", "rfm_latest": "View",
			} {
				if got := chtest.QueryString(t, conn, "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = ?", table); got != want {
					t.Errorf("%s: %s is %q, want %q", name, table, got, want)
				}
			}
		}
	}
	r, err := migrate.New(cc, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, err := r.Up(ctx); err != nil || len(got) != 0 {
		t.Errorf("second Up = %v, %v; want nothing applied", got, err)
	}
	if p, err := r.ShardProblems(ctx); err != nil || len(p) != 0 {
		t.Errorf("ShardProblems = %v, %v; want none", p, err)
	}
}

// retry runs f up to three times, a second apart, and returns the last
// error: a connection pooled to a server that just stopped fails once,
// and the next dial fails over to the shard's other replica.
func retry(f func() error) (tries int, err error) {
	for tries = 1; tries <= 3; tries++ {
		if err = f(); err == nil {
			return tries, nil
		}
		time.Sleep(time.Second)
	}
	return tries - 1, err
}

// loadKinds loads members, orders and events from dir through conn.
func loadKinds(ctx context.Context, conn warehouse.Conn, dir string) error {
	for _, kind := range []loaders.Kind{loaders.Members, loaders.Orders, loaders.Events} {
		l, err := loaders.New(conn, loaders.Options{Kind: kind, MaxRejectRatio: 0.01})
		if err != nil {
			return err
		}
		if _, err := l.LoadFile(ctx, filepath.Join(dir, string(kind)+".csv")); err != nil {
			return err
		}
	}
	return nil
}

// TestReplicatedClusterFaultsIntegration runs a 2 x 2 replicated cluster
// of its own through the faults of issue 22: with the first replica of
// each shard stopped, loads and `run all` succeed through the second
// (after at most two retries of a pooled connection), and so does an
// export; restarted, the
// replicas catch up (row count and checksum of every replicated table
// equal on both replicas). With ZooKeeper stopped a load fails with a
// ZooKeeper/read-only error and leaves nothing visible and an ON CLUSTER
// DDL fails; with ZooKeeper back the same load succeeds once.
func TestReplicatedClusterFaultsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := chtest.ReplicatedCluster(t, 2, 2)
	db := c.NewDB(t)
	cc := db.Conn(t)
	db.Migrate(t, cc)
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	dir, dir2 := t.TempDir(), t.TempDir()
	if err := compat.Generate(ctx, dir, 200, 17); err != nil {
		t.Fatal(err)
	}
	if err := compat.Generate(ctx, dir2, 50, 18); err != nil {
		t.Fatal(err)
	}

	// One replica of each shard down: load and run all.
	for _, row := range c.Nodes {
		if err := c.StopNode(row[0], 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	tries, err := retry(func() error { return loadKinds(ctx, cc, dir) })
	if err != nil {
		t.Fatalf("load with a replica of each shard down: %v", err)
	}
	t.Logf("load with s1r1 and s2r1 down: ok after %d tries", tries)
	wantMembers := countCSVRows(t, filepath.Join(dir, "members.csv"))
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM members_current"); n != wantMembers {
		t.Errorf("members_current = %d after the load through the second replicas, want %d", n, wantMembers)
	}
	asOf := datagen.DefaultEnd.AddDate(0, 0, -1)
	tries, err = retry(func() error {
		_, err := models.RunAll(ctx, reg, models.Env{Conn: cc, Location: time.UTC, RunID: "faults"}, nil, asOf)
		return err
	})
	if err != nil {
		t.Fatalf("run all with a replica of each shard down: %v", err)
	}
	t.Logf("run all with s1r1 and s2r1 down: ok after %d tries", tries)
	rfm := chtest.QueryUint(t, cc, "SELECT count() FROM rfm_latest")
	if rfm == 0 {
		t.Error("rfm_latest is empty after run all")
	}
	cat, err := exporters.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := exporters.New(cc, cat, exporters.Options{Dir: t.TempDir(), Formats: []string{exporters.FormatCSV}, RunID: "faults"})
	if err != nil {
		t.Fatal(err)
	}
	var man *exporters.Manifest
	tries, err = retry(func() error { man, err = ex.Export(ctx, asOf); return err })
	if err != nil {
		t.Fatalf("export with a replica of each shard down: %v", err)
	}
	if len(man.Files) == 0 {
		t.Error("export with a replica of each shard down wrote no files")
	}
	t.Logf("export with s1r1 and s2r1 down: %d files after %d tries", len(man.Files), tries)

	// Back up: they catch up.
	for _, row := range c.Nodes {
		if err := c.StartNode(ctx, row[0]); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range db.ReplicaDiff(t) {
		t.Errorf("after the restart: %s", d)
	}
	for s, row := range db.Nodes {
		if n := chtest.QueryUint(t, row[0], "SELECT count() FROM rfm_local"); n == 0 {
			t.Errorf("s%dr1 caught up no rfm rows", s+1)
		}
	}

	// ZooKeeper down: a load and DDL fail, nothing half-applied.
	c.StopZooKeeper()
	_, err = retry(func() error { return loadKinds(ctx, cc, dir2) })
	if err == nil {
		t.Fatal("load with ZooKeeper down succeeded, want an error")
	}
	if msg := strings.ToLower(err.Error()); !strings.Contains(msg, "zookeeper") && !strings.Contains(msg, "readonly") && !strings.Contains(msg, "read-only") {
		t.Errorf("load with ZooKeeper down: %v; want an error naming ZooKeeper or read-only tables", err)
	}
	t.Logf("load with ZooKeeper down: %v", err)
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM members"); n != wantMembers {
		t.Errorf("%d member rows with ZooKeeper down, want the %d of before", n, wantMembers)
	}
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM load_files WHERE status = 'loaded'"); n != 3 {
		t.Errorf("%d files loaded with ZooKeeper down, want the 3 of before", n)
	}
	ddl := "CREATE TABLE IF NOT EXISTS " + db.Name + ".zk_probe ON CLUSTER " + chtest.ReplicatedClusterName + " (k UInt8) ENGINE = Memory"
	if err := cc.Exec(ctx, ddl); err == nil {
		t.Error("ON CLUSTER DDL with ZooKeeper down succeeded, want an error")
	} else {
		t.Logf("DDL with ZooKeeper down: %v", err)
	}

	// ZooKeeper back: the same load publishes once.
	if err := c.StartZooKeeper(ctx); err != nil {
		t.Fatal(err)
	}
	waitWritable(t, db)
	if _, err := retry(func() error { return loadKinds(ctx, cc, dir2) }); err != nil {
		t.Fatalf("load after ZooKeeper is back: %v", err)
	}
	// Each member row of the second file once (both files share member ids,
	// so members_current keeps one version of each).
	want2 := wantMembers + countCSVRows(t, filepath.Join(dir2, "members.csv"))
	if n := chtest.QueryUint(t, cc, "SELECT count() FROM members"); n != want2 {
		t.Errorf("%d member rows after the reload, want %d", n, want2)
	}
	if n, u := chtest.QueryUint(t, cc, "SELECT count() FROM members_current"), chtest.QueryUint(t, cc, "SELECT uniqExact(member_id) FROM members"); n != u {
		t.Errorf("members_current = %d after the reload, want one row per member (%d)", n, u)
	}
	for _, d := range db.ReplicaDiff(t) {
		t.Errorf("at the end: %s", d)
	}
}

// waitWritable waits until no replicated table of db is read-only on any
// server (they reconnect to ZooKeeper on their own), for up to a minute.
func waitWritable(t *testing.T, db chtest.ReplicatedDB) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, row := range db.Nodes {
		for _, conn := range row {
			for chtest.QueryUint(t, conn, "SELECT count() FROM system.replicas WHERE database = currentDatabase() AND is_readonly") > 0 {
				if time.Now().After(deadline) {
					t.Fatal("replicated tables still read-only a minute after ZooKeeper came back")
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
	}
}

// countCSVRows counts a CSV file's data lines (not the header).
func countCSVRows(t *testing.T, path string) uint64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(strings.Count(strings.TrimRight(string(data), "\n"), "\n"))
}
