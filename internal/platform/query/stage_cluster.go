package query

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Cluster mode (docs/cluster.md): when conn carries a
// warehouse.Topology and the output table is sharded (sql.Sharded),
// ReplacePartition stages per shard. The stage is a Distributed table on
// the initiator over <stage>_local on every shard, sharded like the
// output; fill's INSERT ... SELECT goes through it synchronously
// (warehouse.ClusterSettings), and each shard then replaces its partition
// of <table>_local from its local stage. Home tables (cohorts,
// model_metrics, ...) keep the single-server path on the initiator.

// replaceSharded is Replace for a sharded table of a cluster.
func replaceSharded(ctx context.Context, conn warehouse.Conn, topo warehouse.Topology, table, key, stage, part, where string, fill func(stage string) error) (uint64, error) {
	local := warehouse.LocalTable(stage)
	qs, ql := warehouse.WorkTable(conn.Database(), stage), warehouse.WorkTable(conn.Database(), local)
	tableLocal := warehouse.QuoteIdent(warehouse.LocalTable(table))
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = conn.Exec(dctx, "DROP TABLE IF EXISTS "+qs)
		for _, sh := range topo.Shards {
			_ = sh.Exec(dctx, "DROP TABLE IF EXISTS "+ql)
		}
	}()
	for i, sh := range topo.Shards {
		if err := sh.Exec(ctx, "CREATE TABLE "+ql+" AS "+warehouse.QuoteIdent(sh.Database())+"."+tableLocal); err != nil {
			return 0, fmt.Errorf("create stage for %s on shard %d: %w", table, i+1, err)
		}
	}
	db := topo.Shards[topo.Initiator].Database()
	if err := conn.Exec(ctx, "CREATE TABLE "+qs+" AS "+ql+" ENGINE = Distributed("+topo.Name+", "+
		warehouse.QuoteIdent(warehouse.WorkDatabase(db))+", "+warehouse.QuoteIdent(local)+", "+key+")"); err != nil {
		return 0, fmt.Errorf("create stage for %s: %w", table, err)
	}
	n, err := fillStage(ctx, conn, fill, qs, table, part, where)
	if err != nil {
		return 0, err
	}
	// Each shard's replace is atomic, the set is not: a shard that fails
	// is tried once more (a replace is idempotent); if it still fails the
	// run fails and the next run replaces the whole partition again.
	for i, sh := range topo.Shards {
		var err error
		for range 2 {
			if err = replaceShard(ctx, sh, tableLocal, ql, part); err == nil {
				break
			}
		}
		if err != nil {
			return 0, fmt.Errorf("replace partition %s of %s on shard %d: %w", strings.Trim(part, "'"), table, i+1, err)
		}
	}
	return n, nil
}

// replaceShard publishes one shard's local stage: REPLACE PARTITION, or
// DROP PARTITION when the shard got no rows (23+ refuses an empty source;
// the partition must still empty, as on one server).
func replaceShard(ctx context.Context, sh warehouse.Conn, tableLocal, stageLocal, part string) error {
	n, err := Count(ctx, sh, stageLocal, "1")
	if err != nil {
		return err
	}
	stmt := "ALTER TABLE " + tableLocal + " REPLACE PARTITION " + part + " FROM " + stageLocal
	if n == 0 {
		stmt = "ALTER TABLE " + tableLocal + " DROP PARTITION " + part
	}
	return sh.Exec(ctx, stmt)
}

// shardedTopology returns the cluster and table's sharding key when conn
// is a cluster connection and table is sharded.
func shardedTopology(conn warehouse.Conn, table string) (warehouse.Topology, string, bool) {
	topo, ok := warehouse.TopologyOf(conn)
	if !ok {
		return warehouse.Topology{}, "", false
	}
	key, ok := sql.IsSharded(table)
	return topo, key, ok
}
