package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// replaceSharded is Replace for a sharded table of a cluster. On a
// replicated cluster every live replica gets a local stage (the
// Distributed stage writes to the first live replica of each shard, which
// may not be the one the shard's connection uses), and each shard's
// partition is replaced on the replica that holds the shard's staged rows;
// replication copies it to the others.
func replaceSharded(ctx context.Context, conn warehouse.Conn, topo warehouse.Topology, table, key, stage, part, where string, fill func(stage string) error) (uint64, error) {
	local := warehouse.LocalTable(stage)
	qs, ql := warehouse.WorkTable(conn.Database(), stage), warehouse.WorkTable(conn.Database(), local)
	tableLocal := warehouse.QuoteIdent(warehouse.LocalTable(table))
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = conn.Exec(dctx, "DROP TABLE IF EXISTS "+qs)
		for i := range topo.Shards {
			for _, r := range topo.ReplicasOf(i) {
				_ = r.Exec(dctx, "DROP TABLE IF EXISTS "+ql)
			}
		}
	}()
	staged := make([][]bool, len(topo.Shards))
	for i := range topo.Shards {
		reps := topo.ReplicasOf(i)
		staged[i] = make([]bool, len(reps))
		var firstErr error
		for j, r := range reps {
			err := createLocalStage(ctx, r, ql, warehouse.LocalTable(table))
			if err == nil {
				staged[i][j] = true
			} else if firstErr == nil {
				firstErr = err
			}
		}
		// A replica that is down is skipped; a shard needs one.
		if !slices.Contains(staged[i], true) {
			return 0, fmt.Errorf("create stage for %s on shard %d: %w", table, i+1, firstErr)
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
			if err = replaceShard(ctx, sh, topo.ReplicasOf(i), staged[i], tableLocal, ql, part); err == nil {
				break
			}
		}
		if err != nil {
			return 0, fmt.Errorf("replace partition %s of %s on shard %d: %w", strings.Trim(part, "'"), table, i+1, err)
		}
	}
	return n, nil
}

// createLocalStage creates the local stage ql on one server, shaped like
// its table (warehouse.StageAs: never a replica of it).
func createLocalStage(ctx context.Context, c warehouse.Conn, ql, tableLocal string) error {
	as, err := warehouse.StageAs(ctx, c, c.Database(), tableLocal)
	if err != nil {
		return err
	}
	return c.Exec(ctx, "CREATE TABLE "+ql+" "+as)
}

// replaceShard publishes one shard's local stage: REPLACE PARTITION on the
// replica holding the staged rows, or DROP PARTITION (through the shard's
// connection) when the shard got no rows (23+ refuses an empty source;
// the partition must still empty, as on one server). A replica that had a
// stage and no longer answers fails the shard: its rows are unknown.
func replaceShard(ctx context.Context, sh warehouse.Conn, reps []warehouse.Conn, staged []bool, tableLocal, stageLocal, part string) error {
	var holder warehouse.Conn
	for j, r := range reps {
		if !staged[j] {
			continue
		}
		n, err := Count(ctx, r, stageLocal, "1")
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if holder != nil {
			return errors.New("staged rows are split over two replicas (a replica failed over during the fill); run again")
		}
		holder = r
	}
	if holder == nil {
		return sh.Exec(ctx, "ALTER TABLE "+tableLocal+" DROP PARTITION "+part)
	}
	return holder.Exec(ctx, "ALTER TABLE "+tableLocal+" REPLACE PARTITION "+part+" FROM "+stageLocal)
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
