package warehouse

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// ReplicasOf returns the connections to shard i's replicas: every replica
// of a replicated topology, else the shard's one connection.
func (t Topology) ReplicasOf(i int) []Conn {
	if t.Replicated && i < len(t.Replicas) {
		return t.Replicas[i]
	}
	return []Conn{t.Shards[i]}
}

// replicatedArgsRE finds a Replicated*MergeTree engine's ZooKeeper path
// and replica name, the two arguments a stage must not copy.
var replicatedArgsRE = regexp.MustCompile(`(?s)\bReplicated(\w*MergeTree)\(\s*'(?:[^'\\]|\\.)*'\s*,\s*'(?:[^'\\]|\\.)*'\s*(?:,\s*)?`)

// StageAs returns the clause that gives a staging table db.table's
// structure: "AS db.table", and when db.table is Replicated*MergeTree
// also its engine without replication (a stage is one server's scratch,
// never a replica of the table it fills; ATTACH/REPLACE PARTITION FROM
// accepts it as source). It reads system.tables and, for a replicated
// table, SHOW CREATE TABLE on conn.
func StageAs(ctx context.Context, conn interface {
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}, db, table string) (string, error) {
	src := QuoteIdent(db) + "." + QuoteIdent(table)
	rows, err := conn.Query(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = ?", db, table)
	if err != nil {
		return "", fmt.Errorf("read the engine of %s: %w", table, err)
	}
	var engine string
	if rows.Next() {
		err = rows.Scan(&engine)
	}
	rows.Close()
	if err != nil {
		return "", fmt.Errorf("read the engine of %s: %w", table, err)
	}
	if !strings.HasPrefix(engine, "Replicated") {
		return "AS " + src, nil
	}
	rows, err = conn.Query(ctx, "SHOW CREATE TABLE "+src)
	if err != nil {
		return "", fmt.Errorf("read the definition of %s: %w", table, err)
	}
	var create string
	if rows.Next() {
		err = rows.Scan(&create)
	}
	rows.Close()
	if err != nil {
		return "", fmt.Errorf("read the definition of %s: %w", table, err)
	}
	i := strings.LastIndex(create, "ENGINE = ")
	if i < 0 {
		return "", fmt.Errorf("read the definition of %s: no ENGINE clause in %.80q", table, create)
	}
	return "AS " + src + " " + replicatedArgsRE.ReplaceAllString(create[i:], "$1("), nil
}
