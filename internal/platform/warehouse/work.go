package warehouse

import (
	"context"
	"fmt"
)

// WorkDatabase is the database that holds db's stage, scratch and other
// work tables (loaders' and models'): <db>_work. Keeping them out of db
// means a user granted db alone (the BI user) never sees them, and
// SHOW TABLES in db lists only what is meant to be read. Publishing works
// across databases: ALTER TABLE db.t ATTACH PARTITION ... FROM db_work.s
// and REPLACE PARTITION ... FROM db_work.s (tested on 18.16 and 26.7).
func WorkDatabase(db string) string { return db + "_work" }

// WorkTable is the quoted, database-qualified name of the work table name
// of database db (in WorkDatabase(db)).
func WorkTable(db, name string) string {
	return QuoteIdent(WorkDatabase(db)) + "." + QuoteIdent(name)
}

// Execer is the part of a Conn that creates databases.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) error
	Database() string
}

// EnsureWorkDatabase creates conn's work database when it is missing, on
// every shard in cluster mode. It is idempotent. Open creates the work
// database itself, beside the main one and on the same boot connection;
// code about to create a work table calls this for connections opened
// otherwise (chDB, or Open with NoCreateDatabase).
func EnsureWorkDatabase(ctx context.Context, conn Execer) error {
	conns := []Execer{conn}
	if topo, ok := TopologyOf(conn); ok {
		conns = conns[:0]
		for _, sh := range topo.Shards {
			conns = append(conns, sh)
		}
	}
	for i, c := range conns {
		if err := c.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(WorkDatabase(c.Database()))); err != nil {
			if len(conns) > 1 {
				return fmt.Errorf("create work database %s on shard %d: %w", WorkDatabase(c.Database()), i+1, err)
			}
			return fmt.Errorf("create work database %s: %w", WorkDatabase(c.Database()), err)
		}
	}
	return nil
}

// WorkTableInfo is a table of a work database (or a leftover in the main
// one) as ListTables reports it.
type WorkTableInfo struct {
	Database, Name string
	// Modified is when the table's metadata last changed (its creation,
	// for a stage), in the server's clock.
	Modified int64
}

// ListTables lists the tables of database db whose name matches the
// re2 pattern, with their metadata modification time (unix seconds).
func ListTables(ctx context.Context, conn interface {
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}, db, pattern string) ([]WorkTableInfo, error) {
	rows, err := conn.Query(ctx, `SELECT name, toUInt64(toUnixTimestamp(metadata_modification_time)) FROM system.tables
		WHERE database = ? AND match(name, ?) ORDER BY name`, db, pattern)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db, err)
	}
	defer rows.Close()
	var out []WorkTableInfo
	for rows.Next() {
		t := WorkTableInfo{Database: db}
		var mod uint64
		if err := rows.Scan(&t.Name, &mod); err != nil {
			return nil, fmt.Errorf("list tables of %s: %w", db, err)
		}
		t.Modified = int64(mod)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db, err)
	}
	return out, nil
}
