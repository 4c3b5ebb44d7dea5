package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// VersionTable records applied migrations.
const VersionTable = "schema_migrations"

// Migration is one NNN_name.sql file.
type Migration struct {
	Version int
	Name    string // file name, e.g. 001_members.sql
	SQL     string
	// Checksum is the hex SHA-256 of the file.
	Checksum string
}

// Status is a migration and whether (and when) it was applied.
type Status struct {
	Migration
	Applied   bool
	AppliedAt time.Time
	// Changed says the file differs from the one that was applied.
	Changed bool
}

// Error is a migration that failed: its file, the 1-based statement within
// it, and the server's error.
type Error struct {
	File      string
	Statement int
	SQL       string
	Err       error
}

func (e *Error) Error() string {
	return fmt.Sprintf("migration %s, statement %d: %v", e.File, e.Statement, e.Err)
}

// Unwrap returns the server's error, so errors.As finds a *clickhouse.Exception.
func (e *Error) Unwrap() error { return e.Err }

// ErrChanged is returned when an applied migration's file has been edited.
var ErrChanged = errors.New("applied migration was changed; add a new migration instead")

var fileName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// Load reads the migrations in fsys's root, ordered by version. Two files
// with one version, or a file whose name does not match NNN_name.sql, are
// errors.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("read migrations: %s: name must be NNN_lower_snake.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("read migrations: %s and %s share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(data)
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(data), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Runner applies migrations to one database.
type Runner struct {
	conn       warehouse.Conn
	migrations []Migration
	log        *slog.Logger
	now        func() time.Time
	cluster    *Cluster
	comments   map[string]string // CommentsFile, by table
}

// UseCluster switches the Runner to cluster mode: Up rewrites every
// statement with a Rewriter and sends it to the initiator (the Runner's
// connection) or to every shard; schema_migrations stays on the
// initiator, and a migration is recorded only once every shard took it.
// A failed shard makes Up return an *Error naming it; the next Up sends
// the whole migration again (every CREATE is IF NOT EXISTS).
func (r *Runner) UseCluster(c Cluster) error {
	if c.Topology.Name == "" || len(c.Topology.Shards) == 0 {
		return errors.New("use cluster: topology has no name or no shards")
	}
	r.cluster = &c
	return nil
}

// New returns a Runner for the migrations in fsys (see Load) and the
// table comments of its CommentsFile, when it has one.
func New(conn warehouse.Conn, fsys fs.FS, log *slog.Logger) (*Runner, error) {
	ms, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	comments, err := Comments(fsys)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{conn: conn, migrations: ms, log: log, now: time.Now, comments: comments}, nil
}

func (r *Runner) ensureTable(ctx context.Context) error {
	err := r.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+VersionTable+` (
    version    UInt32          COMMENT 'Migration number, the NNN of NNN_name.sql',
    name       String          COMMENT 'Migration file name',
    checksum   String          COMMENT 'SHA-256 of the file as applied',
    applied_at DateTime('UTC') COMMENT 'When it was applied'
) ENGINE = MergeTree() ORDER BY version`)
	if err != nil {
		return fmt.Errorf("create %s: %w", VersionTable, err)
	}
	return nil
}

type applied struct {
	checksum string
	at       time.Time
}

func (r *Runner) applied(ctx context.Context) (map[int]applied, error) {
	out := map[int]applied{}
	exists, err := r.conn.Query(ctx, `SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ?`, VersionTable)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", VersionTable, err)
	}
	var n uint64
	for exists.Next() {
		if err := exists.Scan(&n); err != nil {
			exists.Close()
			return nil, fmt.Errorf("read %s: %w", VersionTable, err)
		}
	}
	exists.Close()
	if n == 0 {
		return out, nil
	}
	rows, err := r.conn.Query(ctx, `SELECT version, checksum, applied_at FROM `+VersionTable)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", VersionTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			v  uint32
			cs string
			at time.Time
		)
		if err := rows.Scan(&v, &cs, &at); err != nil {
			return nil, fmt.Errorf("read %s: %w", VersionTable, err)
		}
		out[int(v)] = applied{checksum: cs, at: at}
	}
	return out, rows.Err()
}

// Status reports every migration and whether it is applied. It only
// reads: on a database without the version table every migration is
// pending (readiness probes call it through Pending).
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	done, err := r.applied(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, len(r.migrations))
	for i, m := range r.migrations {
		a, ok := done[m.Version]
		out[i] = Status{Migration: m, Applied: ok, AppliedAt: a.at, Changed: ok && a.checksum != m.Checksum}
	}
	return out, nil
}

// Pending reports how many migrations are not yet applied.
func (r *Runner) Pending(ctx context.Context) (int, error) {
	st, err := r.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}

// Up applies every pending migration in order and returns the names of
// those it applied (none when the schema is current). It stops at the
// first failure with an *Error; migrations before it stay applied. Then
// it gives the columns of every <table>_latest and <table>_current view
// the comments of <table>'s columns and, on servers that can store them
// (23.9+), every table's and view's comment from CommentsFile, each where
// it differs.
func (r *Runner) Up(ctx context.Context) ([]string, error) {
	if err := r.ensureTable(ctx); err != nil {
		return nil, err
	}
	st, err := r.Status(ctx)
	if err != nil {
		return nil, err
	}
	var rw *Rewriter
	if r.cluster != nil {
		if rw, err = r.rewriter(ctx); err != nil {
			return nil, err
		}
	}
	var done []string
	for _, s := range st {
		if s.Changed {
			return done, fmt.Errorf("migration %s: %w", s.Name, ErrChanged)
		}
		stmts, err := Split(s.SQL)
		if err != nil {
			return done, &Error{File: s.Name, Statement: 0, Err: err}
		}
		if s.Applied {
			if rw != nil {
				// The rewriter learns the views of applied migrations.
				for _, stmt := range stmts {
					_, _ = rw.Rewrite(stmt)
				}
			}
			continue
		}
		start := r.now()
		for i, stmt := range stmts {
			if rw != nil {
				err = r.execCluster(ctx, rw, stmt)
			} else {
				err = r.exec(ctx, stmt)
			}
			if err != nil {
				return done, &Error{File: s.Name, Statement: i + 1, SQL: stmt, Err: err}
			}
		}
		if err := r.record(ctx, s.Migration); err != nil {
			return done, fmt.Errorf("record migration %s: %w", s.Name, err)
		}
		r.log.Info("applied migration", "migration", s.Name, "statements", len(stmts), "seconds", time.Since(start).Seconds())
		done = append(done, s.Name)
	}
	if err := r.setComments(ctx); err != nil {
		return done, err
	}
	return done, nil
}

// exec runs one statement on one server. An ADD COLUMN whose column is
// there already is skipped: 18.16 has no ADD COLUMN IF NOT EXISTS, and a
// migration that failed after it is re-run whole.
func (r *Runner) exec(ctx context.Context, stmt string) error {
	has, err := hasAddedColumn(ctx, r.conn, stmt)
	if err != nil || has {
		return err
	}
	return r.conn.Exec(ctx, stmt)
}

// record writes the version row. Inserts go through a batch: on ClickHouse
// 18.16 an INSERT ... VALUES sent with Exec over the native protocol never
// returns (the server waits for a data block).
func (r *Runner) record(ctx context.Context, m Migration) error {
	b, err := r.conn.PrepareBatch(ctx, `INSERT INTO `+VersionTable+` (version, name, checksum, applied_at)`)
	if err != nil {
		return err
	}
	if err := b.Append(uint32(m.Version), m.Name, m.Checksum, r.now().UTC()); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}

// rewriter returns the cluster mode's Rewriter: replicated when the
// topology is, and then without column comments on replicated tables
// before ClickHouse 19 (see Rewriter.StripReplicatedComments).
func (r *Runner) rewriter(ctx context.Context) (*Rewriter, error) {
	c := r.cluster
	rw := NewRewriter(c.Topology.Name, r.conn.Database(), c.Topology.OnCluster, c.Sharded, c.Home)
	if c.Topology.Replicated {
		rw.Replicate()
		v, err := r.conn.ServerVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: server version: %w", err)
		}
		if !v.AtLeast(19, 1) {
			rw.StripReplicatedComments()
		}
	}
	return rw, nil
}

// execCluster sends one statement's cluster steps, stopping at the first
// shard that fails and naming it.
func (r *Runner) execCluster(ctx context.Context, rw *Rewriter, stmt string) error {
	steps, err := rw.Rewrite(stmt)
	if err != nil {
		return err
	}
	for _, st := range steps {
		if st.Target == Initiator {
			// An ADD COLUMN of a home table (no ON CLUSTER) is checked on
			// the initiator alone, which is the only server that has it.
			check := r.addedEverywhere
			if !strings.Contains(st.SQL, " ON CLUSTER ") {
				check = func(ctx context.Context, stmt string) (bool, error) { return hasAddedColumn(ctx, r.conn, stmt) }
			}
			if has, err := check(ctx, st.SQL); err != nil || has {
				return err
			}
			if err := r.conn.Exec(ctx, st.SQL); err != nil {
				return err
			}
			continue
		}
		hosts := r.cluster.Topology.Shards
		if st.Target == EveryReplica {
			hosts = nil
			for i := range r.cluster.Topology.Shards {
				hosts = append(hosts, r.cluster.Topology.ReplicasOf(i)...)
			}
		}
		what := "shard"
		if st.Target == EveryReplica {
			what = "server"
		}
		for i, sh := range hosts {
			has, err := hasAddedColumn(ctx, sh, st.SQL)
			if err != nil {
				return fmt.Errorf("%s %d: %w", what, i+1, err)
			}
			if has {
				continue // added before a failure on another host
			}
			if err := sh.Exec(ctx, st.SQL); err != nil {
				return fmt.Errorf("%s %d: %w", what, i+1, err)
			}
		}
	}
	return nil
}

// addedEverywhere reports, for an ON CLUSTER ADD COLUMN, whether every
// shard has the column already (a migration re-sent after a failure):
// 18.16 has no ADD COLUMN IF NOT EXISTS, and the distributed DDL queue
// would fail on the hosts that took it.
func (r *Runner) addedEverywhere(ctx context.Context, stmt string) (bool, error) {
	c := r.cluster
	if !c.Topology.OnCluster {
		return false, nil
	}
	plain := strings.ReplaceAll(strings.Replace(stmt, " ON CLUSTER "+c.Topology.Name, "", 1), warehouse.QuoteIdent(r.conn.Database())+".", "")
	if addOneColumn(plain) == nil {
		return false, nil
	}
	for i, sh := range c.Topology.Shards {
		has, err := hasAddedColumn(ctx, sh, plain)
		if err != nil {
			return false, fmt.Errorf("shard %d: %w", i+1, err)
		}
		if !has {
			return false, nil
		}
	}
	return true, nil
}

// hasAddedColumn reports whether stmt is an ALTER TABLE t ADD COLUMN c
// (one column) whose column the host already has. 18.16 has no ADD
// COLUMN IF NOT EXISTS, so a migration re-sent after a failure on another
// shard skips the hosts that took it.
func hasAddedColumn(ctx context.Context, conn warehouse.Conn, stmt string) (bool, error) {
	m := addOneColumn(stmt)
	if m == nil {
		return false, nil
	}
	rows, err := conn.Query(ctx, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND name = ?", unquote(m[1]), unquote(m[2]))
	if err != nil {
		return false, fmt.Errorf("check column %s of %s: %w", unquote(m[2]), unquote(m[1]), err)
	}
	defer rows.Close()
	var n uint64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, fmt.Errorf("check column %s of %s: %w", unquote(m[2]), unquote(m[1]), err)
		}
	}
	return n > 0, rows.Err()
}

// addOneColumn matches stmt against addColumnRE when it is an ALTER TABLE
// adding exactly one column, and returns nil otherwise.
func addOneColumn(stmt string) []string {
	s := stripLeadingComments(stmt)
	if moreColumnsRE.MatchString(s) {
		return nil
	}
	return addColumnRE.FindStringSubmatch(s)
}
