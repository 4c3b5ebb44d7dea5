package loaders

import (
	"context"
	"fmt"
	"slices"

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

// createStage creates the attempt's staging table(s). On a replicated
// cluster every live replica of each shard gets a local stage (the
// Distributed stage writes to the first live replica of a shard, which
// may change during the load), shaped like its table but never a replica
// of it (warehouse.StageAs); a shard needs at least one.
func (l *Loader) createStage(ctx context.Context, a *attempt) error {
	name := l.stageName(a)
	stage := warehouse.WorkTable(l.conn.Database(), name)
	if l.topo == nil {
		as, err := warehouse.StageAs(ctx, l.conn, l.conn.Database(), l.o.Kind.Table())
		if err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		if err := l.conn.Exec(ctx, "CREATE TABLE "+stage+" "+as); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		return nil
	}
	local := warehouse.LocalTable(name)
	a.staged = make([][]bool, len(l.topo.Shards))
	for i := range l.topo.Shards {
		reps := l.topo.ReplicasOf(i)
		a.staged[i] = make([]bool, len(reps))
		var firstErr error
		for j, r := range reps {
			err := createLocalStage(ctx, r, warehouse.WorkTable(r.Database(), local), warehouse.LocalTable(l.o.Kind.Table()))
			if err == nil {
				a.staged[i][j] = true
			} else if firstErr == nil {
				firstErr = err
			}
		}
		if !slices.Contains(a.staged[i], true) {
			return fmt.Errorf("create staging table on shard %d: %w", i+1, firstErr)
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

// createLocalStage creates the local stage qualified name stage on one
// server, shaped like its table tableLocal.
func createLocalStage(ctx context.Context, c warehouse.Conn, stage, tableLocal string) error {
	as, err := warehouse.StageAs(ctx, c, c.Database(), tableLocal)
	if err != nil {
		return err
	}
	return c.Exec(ctx, "CREATE TABLE "+stage+" "+as)
}

// dropStage drops the attempt's staging table(s), on every shard (every
// replica) in cluster mode; it tries every server and returns the first
// error of a shard none of whose replicas dropped it.
func (l *Loader) dropStage(ctx context.Context, a *attempt) error {
	name := l.stageName(a)
	first := l.conn.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.WorkTable(l.conn.Database(), name))
	if l.topo == nil {
		return first
	}
	for i := range l.topo.Shards {
		var errs []error
		reps := l.topo.ReplicasOf(i)
		for _, r := range reps {
			if err := r.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.WorkTable(r.Database(), warehouse.LocalTable(name))); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) == len(reps) && first == nil {
			first = fmt.Errorf("shard %d: %w", i+1, errs[0])
		}
	}
	return first
}

// publish makes the staged rows visible: one ATTACH PARTITION on one
// server, one per shard that received rows in cluster mode (on a
// replicated cluster, on each replica holding staged rows; replication
// copies them to the others). Every shard's stages are counted before the
// first attach, so a replica that staged rows and went down fails the
// file before anything is attached. published reports whether any rows
// were attached, also when a later shard failed: the file is then not
// `loaded` in load_files, so the _current views hide its rows until the
// next load of the file publishes it again (see LoadFile).
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
	type source struct {
		shard int
		conn  warehouse.Conn
		local string
	}
	var sources []source
	for i := range l.topo.Shards {
		for j, r := range l.topo.ReplicasOf(i) {
			if a.staged != nil && !a.staged[i][j] {
				continue
			}
			local := warehouse.WorkTable(r.Database(), warehouse.LocalTable(name))
			n, err := countRows(ctx, r, "SELECT count() FROM "+local)
			if err != nil {
				return false, fmt.Errorf("publish on shard %d: %w", i+1, err)
			}
			if n > 0 {
				sources = append(sources, source{i, r, local})
			}
		}
	}
	for _, s := range sources {
		stmt := "ALTER TABLE " + warehouse.QuoteIdent(warehouse.LocalTable(l.o.Kind.Table())) + " ATTACH PARTITION tuple() FROM " + s.local
		if err := s.conn.Exec(ctx, stmt); err != nil {
			return published, fmt.Errorf("publish on shard %d: %w", s.shard+1, err)
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
