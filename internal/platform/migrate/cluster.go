package migrate

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Cluster turns on cluster mode in a Runner (see Runner.UseCluster and
// docs/cluster.md). The migrations keep their single-server text; each
// statement is rewritten for the cluster by Rewrite.
type Cluster struct {
	// Topology gives the cluster name and a connection per shard; the
	// Runner's own connection must be the initiator's.
	Topology warehouse.Topology
	// Sharded maps each member-keyed table to its sharding key (sql.Sharded).
	Sharded map[string]string
	// Home lists the tables kept on the initiator only (sql.Home).
	Home []string
}

// Target says where a rewritten statement runs.
type Target int

// The targets of a Step.
const (
	// Initiator runs the statement once, on the Runner's connection (also
	// every statement carrying ON CLUSTER).
	Initiator Target = iota
	// EveryShard runs it on each shard in order.
	EveryShard
	// EveryReplica runs it on each server of a replicated cluster (each
	// replica of each shard), without ON CLUSTER: 18.16 refuses an ALTER
	// ON CLUSTER of a table that is not replicated (a Distributed table)
	// on a cluster whose shards are.
	EveryReplica
)

func (t Target) String() string {
	switch t {
	case EveryShard:
		return "every shard"
	case EveryReplica:
		return "every replica"
	}
	return "initiator"
}

// Step is one statement of a migration as cluster mode sends it.
type Step struct {
	SQL    string
	Target Target
}

// Rewriter turns single-server migration statements into cluster steps.
// It remembers the views it placed on every shard, so a view over such a
// view goes everywhere too; feed it every statement in migration order
// (applied ones included). The zero value is not usable: see NewRewriter.
type Rewriter struct {
	name, database string
	onCluster      bool
	replicated     bool
	noComments     bool // strip column comments from replicated tables
	sharded        map[string]string
	home           []string
	everywhere     map[string]bool // views created on every shard
	initiatorViews map[string]bool // views created on the initiator (they read a home table)
}

// NewRewriter returns a Rewriter for cluster name whose tables live in
// database. With onCluster every step carries ON CLUSTER name and runs on
// the initiator; otherwise sharded DDL runs on every shard.
func NewRewriter(name, database string, onCluster bool, sharded map[string]string, home []string) *Rewriter {
	return &Rewriter{name: name, database: database, onCluster: onCluster, sharded: sharded, home: home, everywhere: map[string]bool{}, initiatorViews: map[string]bool{}}
}

// Replicate switches w to replicated mode (clickhouse.cluster.replicated):
// every statement carries ON CLUSTER and runs once on the initiator, and
// MergeTree-family engines become Replicated*MergeTree (ReplicatedEngine)
// on every shard, home tables included (only the initiator's shard's copy
// is used; its replicas keep it when the initiator is lost). It returns w.
func (w *Rewriter) Replicate() *Rewriter {
	w.replicated, w.onCluster = true, true
	return w
}

// StripReplicatedComments makes a replicated Rewriter leave column
// comments off Replicated*MergeTree tables, for ClickHouse 18.x: there a
// replica refuses a table whose column has a COMMENT and no DEFAULT
// ("Table structure in ZooKeeper is too different from local table
// structure") and ALTER ... COMMENT COLUMN of a replicated table is
// "Unsupported type of ALTER query", as is any COMMENT COLUMN sent ON
// CLUSTER. Comment-only ALTERs of replicated tables become no step; the
// Distributed tables (altered server by server) keep the comments later
// migrations set. It returns w.
func (w *Rewriter) StripReplicatedComments() *Rewriter {
	w.noComments = true
	return w
}

var (
	// commentRE is a column's COMMENT '...' clause (not COMMENT COLUMN).
	commentRE = regexp.MustCompile(`\s+COMMENT\s+'(?:[^'\\]|\\.|'')*'`)
	// commentOnlyRE is an ALTER body of COMMENT COLUMN commands only.
	commentOnlyRE = regexp.MustCompile(`(?is)^\s*COMMENT\s+COLUMN\b`)
)

// stripComments drops column COMMENT clauses when w leaves them off.
func (w *Rewriter) stripComments(body string) string {
	if !w.noComments {
		return body
	}
	return commentRE.ReplaceAllString(body, "")
}

// engineRE finds a MergeTree-family engine and its arguments.
var engineRE = regexp.MustCompile(`(?is)\bENGINE\s*=\s*((?:Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree)\s*\(([^)]*)\)`)

// ReplicatedEngine rewrites the first MergeTree-family engine of a CREATE
// TABLE of table in database into its Replicated form, stored in
// ZooKeeper under /clickhouse/tables/{shard}/<database>/<table> with the
// server's {replica} macro as replica name; the engine's own arguments
// (a version column) follow. A statement without one is returned as is.
func ReplicatedEngine(stmt, database, table string) string {
	loc := engineRE.FindStringSubmatchIndex(stmt)
	if loc == nil {
		return stmt
	}
	kind, args := stmt[loc[2]:loc[3]], strings.TrimSpace(stmt[loc[4]:loc[5]])
	repl := "ENGINE = Replicated" + kind + "('/clickhouse/tables/{shard}/" + database + "/" + table + "', '{replica}'"
	if args != "" {
		repl += ", " + args
	}
	return stmt[:loc[0]] + repl + ")" + stmt[loc[1]:]
}

const identRE = "(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)"

var (
	createTableRE = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+` + identRE + `\s*(\(.*)$`)
	createViewRE  = regexp.MustCompile(`(?is)^CREATE\s+VIEW\s+IF\s+NOT\s+EXISTS\s+` + identRE + `\s+(AS\s+SELECT\b.*)$`)
	dropViewRE    = regexp.MustCompile(`(?is)^DROP\s+(?:VIEW|TABLE)\s+IF\s+EXISTS\s+` + identRE + `\s*$`)
	alterTableRE  = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+` + identRE + `\s+(.*)$`)
	readsRE       = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+` + identRE)
	addColumnRE   = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+` + identRE + `\s+ADD\s+COLUMN\s+` + identRE + `\s+.*$`)
	// moreColumnsRE finds a second action in an ALTER (a comma inside a
	// DEFAULT expression is not one).
	moreColumnsRE = regexp.MustCompile(`(?is),\s*(?:ADD|DROP|MODIFY|COMMENT|CLEAR|RENAME)\s+COLUMN\b`)
	wordRE        = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
)

// Rewrite returns the steps for one statement of a migration:
//
//   - CREATE TABLE IF NOT EXISTS t (...) of a sharded t: the same with
//     t_local, then CREATE TABLE IF NOT EXISTS t AS t_local
//     ENGINE = Distributed(cluster, database, t_local, key), both on every
//     shard;
//   - CREATE VIEW IF NOT EXISTS v AS SELECT ...: on every shard when it
//     reads only sharded tables and views already on every shard, else on
//     the initiator;
//   - ALTER TABLE t ... of a sharded t: on every shard, first t_local,
//     then t;
//   - DROP TABLE IF EXISTS v (or DROP VIEW) of a view on every shard: on
//     every shard, so the view can be recreated over changed columns;
//   - a CREATE TABLE of a table in neither list, or any other statement
//     naming a sharded table: an error (a new form must be taught here);
//   - anything else (home tables): unchanged, on the initiator.
//
// With ON CLUSTER the same statements get ON CLUSTER <name> after the
// object name and run once on the initiator.
func (w *Rewriter) Rewrite(stmt string) ([]Step, error) {
	s := stripLeadingComments(stmt)
	if m := createTableRE.FindStringSubmatch(s); m != nil {
		table := unquote(m[1])
		key, sharded := w.sharded[table]
		if !sharded {
			if !slices.Contains(w.home, table) {
				return nil, fmt.Errorf("table %s is neither sharded nor home: add it to sql.Sharded or sql.Home", table)
			}
			if w.replicated {
				return w.everyShard("CREATE TABLE IF NOT EXISTS " + w.obj(table) + w.on() + " " + ReplicatedEngine(w.stripComments(m[2]), w.database, table)), nil
			}
			return []Step{{SQL: stmt, Target: Initiator}}, nil
		}
		if !regexp.MustCompile(`(?i)\bmember_id\s`).MatchString(m[2]) {
			return nil, fmt.Errorf("sharded table %s has no member_id column", table)
		}
		local := warehouse.LocalTable(table)
		body := m[2]
		if w.replicated {
			body = ReplicatedEngine(w.stripComments(body), w.database, local)
		}
		stmts := []string{
			"CREATE TABLE IF NOT EXISTS " + w.obj(local) + w.on() + " " + body,
			"CREATE TABLE IF NOT EXISTS " + w.obj(table) + w.on() + " AS " + w.obj(local) +
				" ENGINE = Distributed(" + w.name + ", " + warehouse.QuoteIdent(w.database) + ", " + warehouse.QuoteIdent(local) + ", " + key + ")",
		}
		return w.everyShard(stmts...), nil
	}
	if m := createViewRE.FindStringSubmatch(s); m != nil {
		view := unquote(m[1])
		reads := readsRE.FindAllStringSubmatch(m[2], -1)
		all := len(reads) > 0
		for _, r := range reads {
			t := unquote(r[1])
			_, sharded := w.sharded[t]
			all = all && (sharded || w.everywhere[t])
		}
		// A view already created on the initiator over a home table keeps
		// its place: a later CREATE VIEW IF NOT EXISTS of the same name (an
		// older migration a fresh database applies afterwards) is a no-op
		// there and must not put another definition on the other shards.
		if !all || w.initiatorViews[view] {
			w.initiatorViews[view] = true
			if w.replicated {
				// On every server, so a replica of the initiator's shard
				// that takes over has it.
				return w.everyShard("CREATE VIEW IF NOT EXISTS " + w.obj(view) + w.on() + " " + w.qualifyReads(m[2])), nil
			}
			return []Step{{SQL: stmt, Target: Initiator}}, nil
		}
		w.everywhere[view] = true
		return w.everyShard("CREATE VIEW IF NOT EXISTS " + w.obj(view) + w.on() + " " + w.qualifyReads(m[2])), nil
	}
	if m := dropViewRE.FindStringSubmatch(s); m != nil && w.everywhere[unquote(m[1])] {
		// A view on every shard. (18.16 has no DROP VIEW: DROP TABLE drops
		// a view on every version.)
		view := unquote(m[1])
		delete(w.everywhere, view)
		delete(w.initiatorViews, view)
		return w.everyShard("DROP TABLE IF EXISTS " + w.obj(view) + w.on()), nil
	}
	if m := dropViewRE.FindStringSubmatch(s); m != nil && w.replicated {
		view := unquote(m[1])
		delete(w.initiatorViews, view)
		return w.everyShard("DROP TABLE IF EXISTS " + w.obj(view) + w.on()), nil
	}
	if m := alterTableRE.FindStringSubmatch(s); m != nil {
		table := unquote(m[1])
		commentOnly := w.replicated && w.noComments && commentOnlyRE.MatchString(m[2])
		if _, sharded := w.sharded[table]; sharded {
			if w.replicated {
				dist := Step{SQL: "ALTER TABLE " + warehouse.QuoteIdent(table) + " " + m[2], Target: EveryReplica}
				if commentOnly {
					return []Step{dist}, nil
				}
				return append(w.everyShard("ALTER TABLE "+w.obj(warehouse.LocalTable(table))+w.on()+" "+w.stripComments(m[2])), dist), nil
			}
			// Shard by shard, also with ON CLUSTER: 18.16 refuses an ALTER
			// ON CLUSTER of a table that is not replicated when the
			// cluster's shards declare internal_replication (code 371),
			// which a shard of one replica may well do.
			return []Step{
				{SQL: "ALTER TABLE " + warehouse.QuoteIdent(warehouse.LocalTable(table)) + " " + m[2], Target: EveryShard},
				{SQL: "ALTER TABLE " + warehouse.QuoteIdent(table) + " " + m[2], Target: EveryShard},
			}, nil
		}
		if commentOnly {
			return nil, nil // see StripReplicatedComments
		}
		if w.replicated {
			return w.everyShard("ALTER TABLE " + w.obj(table) + w.on() + " " + w.stripComments(m[2])), nil
		}
		return []Step{{SQL: stmt, Target: Initiator}}, nil
	}
	for _, word := range wordRE.FindAllString(s, -1) {
		if _, sharded := w.sharded[word]; sharded {
			return nil, fmt.Errorf("statement not supported in cluster mode (names sharded table %s): %.80s", word, s)
		}
	}
	return []Step{{SQL: stmt, Target: Initiator}}, nil
}

// everyShard returns stmts as steps on every shard, or, with ON CLUSTER,
// once on the initiator.
func (w *Rewriter) everyShard(stmts ...string) []Step {
	t := EveryShard
	if w.onCluster {
		t = Initiator
	}
	out := make([]Step, len(stmts))
	for i, q := range stmts {
		out[i] = Step{SQL: q, Target: t}
	}
	return out
}

// obj is name as a statement's object: qualified with the database under
// ON CLUSTER, where each host runs the statement in its default database.
func (w *Rewriter) obj(name string) string {
	if w.onCluster {
		return warehouse.QuoteIdent(w.database) + "." + warehouse.QuoteIdent(name)
	}
	return warehouse.QuoteIdent(name)
}

// qualifyReads qualifies the unqualified tables a SELECT reads (FROM and
// JOIN) with the database under ON CLUSTER, for the same reason.
func (w *Rewriter) qualifyReads(sel string) string {
	if !w.onCluster {
		return sel
	}
	var b strings.Builder
	last := 0
	for _, m := range readsRE.FindAllStringSubmatchIndex(sel, -1) {
		end := m[3]
		if end < len(sel) && (sel[end] == '.' || sel[end] == '(') {
			continue // qualified already, or a table function
		}
		b.WriteString(sel[last:m[2]])
		b.WriteString(w.obj(unquote(sel[m[2]:m[3]])))
		last = end
	}
	b.WriteString(sel[last:])
	return b.String()
}

// Unqualify removes the database qualifier obj adds, for matching a
// rewritten statement against the single-server forms.
func (w *Rewriter) Unqualify(stmt string) string {
	return strings.ReplaceAll(stmt, warehouse.QuoteIdent(w.database)+".", "")
}

func (w *Rewriter) on() string {
	if w.onCluster {
		return " ON CLUSTER " + w.name
	}
	return ""
}

// stripLeadingComments drops the -- and /* */ comments and space before
// a statement's first keyword.
func stripLeadingComments(s string) string {
	for {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return s
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

func unquote(ident string) string {
	return strings.Trim(ident, "`")
}

// createdRE finds the object a rewritten CREATE step makes.
var createdRE = regexp.MustCompile("(?is)^CREATE\\s+(?:TABLE|VIEW)\\s+IF\\s+NOT\\s+EXISTS\\s+" + identRE)

// ShardProblems checks, in cluster mode, that every shard holds the tables
// and views the applied migrations put on every shard, and returns one
// line per missing object ("shard 2 lacks tiers_local"); none when all are
// there or on one server. It only reads.
func (r *Runner) ShardProblems(ctx context.Context) ([]string, error) {
	c := r.cluster
	if c == nil {
		return nil, nil
	}
	st, err := r.Status(ctx)
	if err != nil {
		return nil, err
	}
	rw, err := r.rewriter(ctx)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, s := range st {
		if !s.Applied {
			continue
		}
		stmts, err := Split(s.SQL)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", s.Name, err)
		}
		for _, stmt := range stmts {
			steps, err := rw.Rewrite(stmt)
			if err != nil {
				return nil, fmt.Errorf("migration %s: %w", s.Name, err)
			}
			for _, step := range steps {
				step.SQL = rw.Unqualify(step.SQL)
				everywhere := step.Target == EveryShard || (c.Topology.OnCluster && strings.Contains(step.SQL, " ON CLUSTER "))
				if m := createdRE.FindStringSubmatch(step.SQL); m != nil && everywhere {
					want = append(want, unquote(m[1]))
				}
				if m := dropViewRE.FindStringSubmatch(strings.Replace(step.SQL, " ON CLUSTER "+c.Topology.Name, "", 1)); m != nil && everywhere {
					want = slices.DeleteFunc(want, func(n string) bool { return n == unquote(m[1]) })
				}
			}
		}
	}
	var out []string
	for i, sh := range c.Topology.Shards {
		have, err := tableNames(ctx, sh)
		if err != nil {
			return nil, fmt.Errorf("shard %d: %w", i+1, err)
		}
		for _, w := range want {
			if !have[w] {
				out = append(out, fmt.Sprintf("shard %d lacks %s", i+1, w))
			}
		}
	}
	return out, nil
}

// tableNames returns the tables and views of conn's database.
func tableNames(ctx context.Context, conn warehouse.Conn) (map[string]bool, error) {
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		out[n] = true
	}
	return out, rows.Err()
}
