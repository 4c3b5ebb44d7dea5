package query

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// ReplacePartition publishes one as_of of table atomically. It creates a
// staging table with table's structure and engine in the work database
// (warehouse.WorkDatabase; named <table>_stage_<expiry>_<random>, see
// WorkLease), calls fill with the staging table's quoted, qualified name,
// then runs
// ALTER TABLE table REPLACE PARTITION '<as_of>' FROM stage, and drops the
// staging table. A re-run therefore replaces the partition (never appends),
// and when fill fails the previous partition is left untouched. table must
// be PARTITION BY as_of and is an identifier from the caller's code, not
// user input. It returns the number of rows published. In cluster mode
// (conn carries a warehouse.Topology) a sharded table is staged and
// replaced on every shard: see stage_cluster.go.
func ReplacePartition(ctx context.Context, conn warehouse.Conn, table string, asOf time.Time, fill func(stage string) error) (uint64, error) {
	day := asof.Format(asOf)
	return Replace(ctx, conn, table, "'"+day+"'", "as_of = '"+day+"'", fill)
}

// Replace is ReplacePartition for any partition literal part (a table
// partitioned by (as_of, model) gives a tuple); where selects the
// partition's rows for the count.
func Replace(ctx context.Context, conn warehouse.Conn, table, part, where string, fill func(stage string) error) (uint64, error) {
	stage := workName(table, "stage", time.Now())
	if err := warehouse.EnsureWorkDatabase(ctx, conn); err != nil {
		return 0, err
	}
	if topo, key, ok := shardedTopology(conn, table); ok {
		return replaceSharded(ctx, conn, topo, table, key, stage, part, where, fill)
	}
	qt, qs := warehouse.QuoteIdent(table), warehouse.WorkTable(conn.Database(), stage)
	as, err := warehouse.StageAs(ctx, conn, conn.Database(), table)
	if err != nil {
		return 0, fmt.Errorf("create stage for %s: %w", table, err)
	}
	if err := conn.Exec(ctx, "CREATE TABLE "+qs+" "+as); err != nil {
		return 0, fmt.Errorf("create stage for %s: %w", table, err)
	}
	defer func() {
		// Drop even when ctx is cancelled, so no stage table is left behind.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = conn.Exec(dctx, "DROP TABLE IF EXISTS "+qs)
	}()
	n, err := fillStage(ctx, conn, fill, qs, table, part, where)
	if err != nil {
		return 0, err
	}
	stmt := "ALTER TABLE " + qt + " REPLACE PARTITION " + part + " FROM " + qs
	if n == 0 {
		// Nothing to publish: ClickHouse 23+ refuses REPLACE PARTITION from
		// an empty source, so drop the old partition instead (also on 18.16).
		stmt = "ALTER TABLE " + qt + " DROP PARTITION " + part
	}
	if err := conn.Exec(ctx, stmt); err != nil {
		return 0, fmt.Errorf("replace partition %s of %s: %w", strings.Trim(part, "'"), table, err)
	}
	return n, nil
}

// Count returns the number of rows of table (quoted by the caller) that
// match where.
func Count(ctx context.Context, conn warehouse.Conn, table, where string) (uint64, error) {
	rows, err := conn.Query(ctx, "SELECT count() FROM "+table+" WHERE "+where)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	defer rows.Close()
	var n uint64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("count %s: %w", table, err)
		}
	}
	return n, rows.Err()
}

// fillStage fills the stage table qs and returns its row count, refusing
// rows outside partition part (where selects the partition's rows).
func fillStage(ctx context.Context, conn warehouse.Conn, fill func(stage string) error, qs, table, part, where string) (uint64, error) {
	if err := fill(qs); err != nil {
		return 0, fmt.Errorf("fill %s: %w", table, err)
	}
	n, err := Count(ctx, conn, qs, where)
	if err != nil {
		return 0, err
	}
	other, err := Count(ctx, conn, qs, "NOT ("+where+")")
	if err != nil {
		return 0, err
	}
	if other > 0 {
		return 0, fmt.Errorf("fill %s: %d staged rows outside partition %s", table, other, part)
	}
	return n, nil
}

// DropPartition drops partition part of table: of <table>_local on every
// shard when conn is a cluster and table is sharded.
func DropPartition(ctx context.Context, conn warehouse.Conn, table, part string) error {
	if topo, _, ok := shardedTopology(conn, table); ok {
		local := warehouse.QuoteIdent(warehouse.LocalTable(table))
		for i, sh := range topo.Shards {
			if err := sh.Exec(ctx, "ALTER TABLE "+local+" DROP PARTITION "+part); err != nil {
				return fmt.Errorf("shard %d: %w", i+1, err)
			}
		}
		return nil
	}
	return conn.Exec(ctx, "ALTER TABLE "+warehouse.QuoteIdent(table)+" DROP PARTITION "+part)
}
