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
)

func (t Target) String() string {
	if t == EveryShard {
		return "every shard"
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

const identRE = "(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)"

var (
	createTableRE = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+` + identRE + `\s*(\(.*)$`)
	createViewRE  = regexp.MustCompile(`(?is)^CREATE\s+VIEW\s+IF\s+NOT\s+EXISTS\s+` + identRE + `\s+(AS\s+SELECT\b.*)$`)
	dropViewRE    = regexp.MustCompile(`(?is)^DROP\s+(?:VIEW|TABLE)\s+IF\s+EXISTS\s+` + identRE + `\s*$`)
	alterTableRE  = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+` + identRE + `\s+(.*)$`)
	readsRE       = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+` + identRE)
	addColumnRE   = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+` + identRE + `\s+ADD\s+COLUMN\s+` + identRE + `\s+[^,]*$`)
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
			return []Step{{SQL: stmt, Target: Initiator}}, nil
		}
		if !regexp.MustCompile(`(?i)\bmember_id\s`).MatchString(m[2]) {
			return nil, fmt.Errorf("sharded table %s has no member_id column", table)
		}
		local := warehouse.LocalTable(table)
		return w.everyShard(
			"CREATE TABLE IF NOT EXISTS "+warehouse.QuoteIdent(local)+w.on()+" "+m[2],
			"CREATE TABLE IF NOT EXISTS "+warehouse.QuoteIdent(table)+w.on()+" AS "+warehouse.QuoteIdent(local)+
				" ENGINE = Distributed("+w.name+", "+warehouse.QuoteIdent(w.database)+", "+warehouse.QuoteIdent(local)+", "+key+")",
		), nil
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
			return []Step{{SQL: stmt, Target: Initiator}}, nil
		}
		w.everywhere[view] = true
		return w.everyShard("CREATE VIEW IF NOT EXISTS " + warehouse.QuoteIdent(view) + w.on() + " " + m[2]), nil
	}
	if m := dropViewRE.FindStringSubmatch(s); m != nil && w.everywhere[unquote(m[1])] {
		// A view on every shard. (18.16 has no DROP VIEW: DROP TABLE drops
		// a view on every version.)
		view := unquote(m[1])
		delete(w.everywhere, view)
		delete(w.initiatorViews, view)
		return w.everyShard("DROP TABLE IF EXISTS " + warehouse.QuoteIdent(view) + w.on()), nil
	}
	if m := alterTableRE.FindStringSubmatch(s); m != nil {
		table := unquote(m[1])
		if _, sharded := w.sharded[table]; sharded {
			return w.everyShard(
				"ALTER TABLE "+warehouse.QuoteIdent(warehouse.LocalTable(table))+w.on()+" "+m[2],
				"ALTER TABLE "+warehouse.QuoteIdent(table)+w.on()+" "+m[2],
			), nil
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
	rw := NewRewriter(c.Topology.Name, r.conn.Database(), c.Topology.OnCluster, c.Sharded, c.Home)
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
