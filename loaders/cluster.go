package loaders

import (
	"context"
	"fmt"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Cluster mode (docs/cluster.md). An attempt's stage is
// <kind>_stage_<file_id>_<attempt_id> in the work database: a Distributed
// table on the initiator over <stage>_local on every shard (also in the
// work database), sharded like the raw table. The batches go to the
// Distributed stage, synchronously (warehouse.ClusterSettings: a dead
// shard fails the file); publishing attaches every shard's local stage to
// its <kind>_local table. The ledger, the leases and the rejects stay on
// the initiator.

// createStage creates the attempt's staging table(s).
func (l *Loader) createStage(ctx context.Context, a *attempt) error {
	name := l.stageName(a)
	stage := warehouse.WorkTable(l.conn.Database(), name)
	if l.topo == nil {
		if err := l.conn.Exec(ctx, "CREATE TABLE "+stage+" AS "+warehouse.QuoteIdent(l.conn.Database())+"."+warehouse.QuoteIdent(l.o.Kind.Table())); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		return nil
	}
	local := warehouse.LocalTable(name)
	for i, sh := range l.topo.Shards {
		if err := sh.Exec(ctx, "CREATE TABLE "+warehouse.WorkTable(sh.Database(), local)+" AS "+
			warehouse.QuoteIdent(sh.Database())+"."+warehouse.QuoteIdent(warehouse.LocalTable(l.o.Kind.Table()))); err != nil {
			return fmt.Errorf("create staging table on shard %d: %w", i+1, err)
		}
	}
	key, _ := sql.IsSharded(l.o.Kind.Table())
	work := warehouse.WorkDatabase(l.topo.Shards[l.topo.Initiator].Database())
	if err := l.conn.Exec(ctx, "CREATE TABLE "+stage+" AS "+warehouse.WorkTable(l.conn.Database(), local)+
		" ENGINE = Distributed("+l.topo.Name+", "+warehouse.QuoteIdent(work)+", "+warehouse.QuoteIdent(local)+", "+key+")"); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	return nil
}

// dropStage drops the attempt's staging table(s), on every shard in
// cluster mode; it tries every shard and returns the first error.
func (l *Loader) dropStage(ctx context.Context, a *attempt) error {
	name := l.stageName(a)
	first := l.conn.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.WorkTable(l.conn.Database(), name))
	if l.topo == nil {
		return first
	}
	for i, sh := range l.topo.Shards {
		if err := sh.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.WorkTable(sh.Database(), warehouse.LocalTable(name))); err != nil && first == nil {
			first = fmt.Errorf("shard %d: %w", i+1, err)
		}
	}
	return first
}

// publish makes the staged rows visible: one ATTACH PARTITION on one
// server, one per shard that received rows in cluster mode. published
// reports whether any rows became visible, also when a later shard failed
// (the next load of the file then publishes it again: see LoadFile).
func (l *Loader) publish(ctx context.Context, a *attempt, rows int64) (published bool, err error) {
	if rows == 0 {
		return false, nil
	}
	name := l.stageName(a)
	if l.topo == nil {
		stmt := "ALTER TABLE " + warehouse.QuoteIdent(l.o.Kind.Table()) + " ATTACH PARTITION tuple() FROM " + warehouse.WorkTable(l.conn.Database(), name)
		if err := l.conn.Exec(ctx, stmt); err != nil {
			return false, fmt.Errorf("publish: %w", err)
		}
		return true, nil
	}
	for i, sh := range l.topo.Shards {
		local := warehouse.WorkTable(sh.Database(), warehouse.LocalTable(name))
		n, err := countRows(ctx, sh, "SELECT count() FROM "+local)
		if err != nil {
			return published, fmt.Errorf("publish on shard %d: %w", i+1, err)
		}
		if n == 0 {
			continue
		}
		stmt := "ALTER TABLE " + warehouse.QuoteIdent(warehouse.LocalTable(l.o.Kind.Table())) + " ATTACH PARTITION tuple() FROM " + local
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
