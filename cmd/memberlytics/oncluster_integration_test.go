package main

import (
	"context"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/sql"
)

// TestOnClusterEqualsSingleNodeIntegration: `on_cluster: true` without
// `replicated` against a real cluster, 2 shards x 1 replica with
// ZooKeeper. The migrations go ON CLUSTER through the distributed DDL
// queue and leave plain MergeTree tables; a second Up applies nothing, and
// with the record of applied migrations emptied every migration is sent
// again and succeeds (each statement is idempotent ON CLUSTER). Then the
// same generated data loaded with the loaders and every model of `run all`
// for two as_of dates give the same tables and views as one server
// (compared as in TestClusterEqualsSingleNodeIntegration).
func TestOnClusterEqualsSingleNodeIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := compat.Generate(ctx, dir, 300, 17); err != nil {
		t.Fatal(err)
	}
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	single := chtest.Migrated(t)
	start := time.Now()
	db := chtest.ReplicatedCluster(t, 2, 1).NewDB(t)
	t.Logf("2x1 with ZooKeeper: started in %.1fs", time.Since(start).Seconds())
	cluster := db.OnClusterConn(t)
	up := func(what string) []string {
		t.Helper()
		start := time.Now()
		r, err := migrate.New(cluster, sql.Migrations(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.UseCluster(migrate.Cluster{Topology: cluster.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
			t.Fatal(err)
		}
		applied, err := r.Up(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if p, err := r.ShardProblems(ctx); err != nil || len(p) != 0 {
			t.Errorf("%s: ShardProblems = %v, %v; want none", what, p, err)
		}
		t.Logf("%s: %d migrations in %.1fs", what, len(applied), time.Since(start).Seconds())
		return applied
	}
	all := up("first Up")
	if want := chtest.QueryUint(t, single, "SELECT count() FROM "+migrate.VersionTable); uint64(len(all)) != want || want == 0 {
		t.Fatalf("first Up applied %d migrations, want every one (%d on one server)", len(all), want)
	}
	if again := up("second Up"); len(again) != 0 {
		t.Errorf("second Up applied %v, want nothing", again)
	}
	if err := cluster.Exec(ctx, "TRUNCATE TABLE "+migrate.VersionTable); err != nil {
		t.Fatal(err)
	}
	if again := up("Up with the record emptied"); len(again) != len(all) {
		t.Errorf("Up with the record emptied applied %d migrations, want all %d again", len(again), len(all))
	}
	for s, row := range db.Nodes {
		for table, want := range map[string]string{"orders_local": "ReplacingMergeTree", "orders": "Distributed", "rfm_local": "MergeTree"} {
			if got := chtest.QueryString(t, row[0], "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = ?", table); got != want {
				t.Errorf("shard %d: %s is %q, want %q", s+1, table, got, want)
			}
		}
	}

	asOfs := []time.Time{datagen.DefaultEnd.AddDate(0, 0, -32), datagen.DefaultEnd.AddDate(0, 0, -1)}
	load, run, _ := loadAndRun(t, single, dir, reg, asOfs)
	t.Logf("one server: load %.2fs, models %.2fs", load.Seconds(), run.Seconds())
	load, run, perModel := loadAndRun(t, cluster, dir, reg, asOfs)
	t.Logf("2x1 on_cluster: load %.2fs, models %.2fs (%s)", load.Seconds(), run.Seconds(), perModel)
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
				t.Errorf("2x1 on_cluster: %v", err)
				continue
			}
			for _, d := range compat.CompareTables("one-server", a, "on-cluster", b, p.tol) {
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
	for s, row := range db.Nodes {
		if n := chtest.QueryUint(t, row[0], "SELECT count() FROM rfm_local"); n == 0 {
			t.Errorf("shard %d: rfm_local is empty", s+1)
		}
	}
}
