package loaders

import (
	"context"
	"fmt"

	"github.com/memberlytics/memberlytics/internal/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Cluster mode (docs/cluster.md). A file's stage is <kind>_stage_<file_id>
// as a Distributed table on the initiator over <kind>_stage_<file_id>_local
// on every shard, sharded like the raw table. The batches go to the
// Distributed stage, synchronously (warehouse.ClusterSettings: a dead
// shard fails the file); publishing attaches every shard's local stage to
// its <kind>_local table. The ledger and rejects stay on the initiator.

// createStage (re)creates the file's staging table(s).
func (l *Loader) createStage(ctx context.Context, fileID string) error {
	stage := warehouse.QuoteIdent(l.stageName(fileID))
	if l.topo == nil {
		if err := l.conn.Exec(ctx, "DROP TABLE IF EXISTS "+stage); err != nil {
			return fmt.Errorf("drop old staging table: %w", err)
		}
		if err := l.conn.Exec(ctx, "CREATE TABLE "+stage+" AS "+warehouse.QuoteIdent(string(l.o.Kind))); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		return nil
	}
	local := warehouse.LocalTable(l.stageName(fileID))
	if err := l.dropStage(ctx, fileID); err != nil {
		return fmt.Errorf("drop old staging table: %w", err)
	}
	for i, sh := range l.topo.Shards {
		if err := sh.Exec(ctx, "CREATE TABLE "+warehouse.QuoteIdent(local)+" AS "+warehouse.QuoteIdent(warehouse.LocalTable(string(l.o.Kind)))); err != nil {
			return fmt.Errorf("create staging table on shard %d: %w", i+1, err)
		}
	}
	key, _ := sql.IsSharded(string(l.o.Kind))
	db := l.topo.Shards[l.topo.Initiator].Database()
	if err := l.conn.Exec(ctx, "CREATE TABLE "+stage+" AS "+warehouse.QuoteIdent(local)+
		" ENGINE = Distributed("+l.topo.Name+", "+warehouse.QuoteIdent(db)+", "+warehouse.QuoteIdent(local)+", "+key+")"); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	return nil
}

// dropStage drops the file's staging table(s), on every shard in cluster
// mode; it tries every shard and returns the first error.
func (l *Loader) dropStage(ctx context.Context, fileID string) error {
	stage := l.stageName(fileID)
	first := l.conn.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.QuoteIdent(stage))
	if l.topo == nil {
		return first
	}
	for i, sh := range l.topo.Shards {
		if err := sh.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.QuoteIdent(warehouse.LocalTable(stage))); err != nil && first == nil {
			first = fmt.Errorf("shard %d: %w", i+1, err)
		}
	}
	return first
}

// publish makes the staged rows visible: one ATTACH PARTITION on one
// server, one per shard that received rows in cluster mode. published
// reports whether any rows became visible, also when a later shard failed
// (the next load of the file then publishes it again: see LoadFile).
func (l *Loader) publish(ctx context.Context, fileID string, rows int64) (published bool, err error) {
	if rows == 0 {
		return false, nil
	}
	if l.topo == nil {
		stmt := "ALTER TABLE " + warehouse.QuoteIdent(string(l.o.Kind)) + " ATTACH PARTITION tuple() FROM " + warehouse.QuoteIdent(l.stageName(fileID))
		if err := l.conn.Exec(ctx, stmt); err != nil {
			return false, fmt.Errorf("publish: %w", err)
		}
		return true, nil
	}
	local := warehouse.QuoteIdent(warehouse.LocalTable(l.stageName(fileID)))
	for i, sh := range l.topo.Shards {
		n, err := countRows(ctx, sh, "SELECT count() FROM "+local)
		if err != nil {
			return published, fmt.Errorf("publish on shard %d: %w", i+1, err)
		}
		if n == 0 {
			continue
		}
		stmt := "ALTER TABLE " + warehouse.QuoteIdent(warehouse.LocalTable(string(l.o.Kind))) + " ATTACH PARTITION tuple() FROM " + local
		if err := sh.Exec(ctx, stmt); err != nil {
			return published, fmt.Errorf("publish on shard %d: %w", i+1, err)
		}
		published = true
	}
	return published, nil
}

// countRows runs a SELECT count() query on conn.
func countRows(ctx context.Context, conn warehouse.Conn, q string, args ...any) (uint64, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n uint64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}
