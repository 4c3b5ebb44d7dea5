package chdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Conn is one session on the process's chDB engine. It implements
// warehouse.Conn. A Conn runs one statement at a time: its methods may be
// called from several goroutines and are serialised by a mutex. Separate
// Conns (from separate Open calls) run concurrently, each with its own
// current database and settings.
type Conn struct {
	eng *engine
	db  string

	mu sync.Mutex // guards c and serialises statements
	c  *unsafe.Pointer
}

var _ warehouse.Conn = (*Conn)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	database string
	settings []string
}

// WithDatabase makes name the Conn's current database, creating it if it
// does not exist. Unqualified table names resolve in it. The default is
// ClickHouse's "default".
func WithDatabase(name string) Option {
	return func(o *options) { o.database = name }
}

// WithSetting applies a ClickHouse query-level setting to every statement
// of the Conn, like SET name = value.
func WithSetting(name, value string) Option {
	return func(o *options) { o.settings = append(o.settings, "--"+name+"="+value) }
}

// Open returns a new session on the process's chDB engine, starting the
// engine from the library libPath with its data in dataDir on the first
// call. chDB runs one engine per process: later calls must pass the same
// libPath and dataDir, or Open fails with ErrEngineInUse. The engine itself
// lives until the process exits (closing a Conn ends only its session),
// because chDB advises against shutting it down and booting it again.
//
// Sessions use UTC (session_timezone), whatever the host's zone, so
// DateTime columns without a zone read and print in UTC as on a server
// configured for UTC.
func Open(libPath, dataDir string, opts ...Option) (*Conn, error) {
	if libPath == "" || dataDir == "" {
		return nil, fmt.Errorf("open chdb: library path and data directory are required")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	eng, err := startEngine(libPath, dataDir)
	if err != nil {
		return nil, err
	}
	c, err := eng.connect(append([]string{"--session_timezone=UTC"}, o.settings...))
	if err != nil {
		return nil, fmt.Errorf("open chdb session: %w", err)
	}
	conn := &Conn{eng: eng, c: c, db: "default"}
	if o.database != "" {
		ident := quoteIdent(o.database)
		for _, stmt := range []string{"CREATE DATABASE IF NOT EXISTS " + ident, "USE " + ident} {
			if _, err := eng.query(c, []byte(stmt), "Null"); err != nil {
				eng.close(c)
				return nil, fmt.Errorf("open chdb session: %s: %w", stmt, err)
			}
		}
		conn.db = o.database
	}
	return conn, nil
}

// quoteIdent quotes a ClickHouse identifier with backticks.
func quoteIdent(name string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(name) + "`"
}

// run executes one statement under the Conn's lock.
func (c *Conn) run(ctx context.Context, query []byte, format string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return nil, ErrClosed
	}
	// The engine cannot be interrupted through this API; a context that
	// ended while waiting for the lock stops the statement from starting.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.eng.query(c.c, query, format)
}

// insert runs a streaming INSERT under the Conn's lock.
func (c *Conn) insert(ctx context.Context, query, format string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c == nil {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.eng.insert(c.c, query, format, data)
}

// Exec binds args into query (see Query) and runs it, discarding any
// result. The context is checked before the statement starts; a running
// statement is not interrupted.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	q, err := bind(query, args)
	if err != nil {
		return err
	}
	_, err = c.run(ctx, []byte(q), "Null")
	return err
}

// Query binds args into query and runs it, returning its rows read in
// full. Arguments are bound client-side as SQL literals, like
// clickhouse-go: ? or $N take positional arguments, @name takes
// clickhouse.Named ones. The context is checked before the statement
// starts; a running statement is not interrupted.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error) {
	q, err := bind(query, args)
	if err != nil {
		return nil, err
	}
	data, err := c.run(ctx, []byte(q), "RowBinaryWithNamesAndTypes")
	if err != nil {
		return nil, err
	}
	rows, err := newRows(data)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	return rows, nil
}

// ServerVersion reports the engine's ClickHouse version.
func (c *Conn) ServerVersion(ctx context.Context) (warehouse.Version, error) {
	rows, err := c.Query(ctx, "SELECT version()")
	if err != nil {
		return warehouse.Version{}, fmt.Errorf("server version: %w", err)
	}
	defer rows.Close()
	var s string
	if !rows.Next() {
		return warehouse.Version{}, fmt.Errorf("server version: no row: %w", rows.Err())
	}
	if err := rows.Scan(&s); err != nil {
		return warehouse.Version{}, fmt.Errorf("server version: %w", err)
	}
	return warehouse.ParseVersion(s)
}

// Database is the Conn's current database, where unqualified table names
// resolve.
func (c *Conn) Database() string { return c.db }

// Close ends the Conn's session; the engine keeps running. It is
// idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		c.eng.close(c.c)
		c.c = nil
	}
	return nil
}
