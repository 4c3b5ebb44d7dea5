package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// scratch names and drops the temporary tables of one predictive run
// (member statistics, tuple scores, views). They are ordinary tables in the
// work database named <model>_tmp_<expiry>_<random>_<what> (see
// WorkLease), dropped when the run ends, whatever its outcome.
type scratch struct {
	conn   warehouse.Conn
	prefix string
	names  []string
}

// newScratch returns the scratch of one run of model, creating the work
// database when it is missing.
func newScratch(ctx context.Context, conn warehouse.Conn, model string) (*scratch, error) {
	if err := warehouse.EnsureWorkDatabase(ctx, conn); err != nil {
		return nil, err
	}
	return &scratch{conn: conn, prefix: workName(model, "tmp", time.Now()) + "_"}, nil
}

// name returns the quoted, qualified scratch table called what, to be
// dropped by drop.
func (s *scratch) name(what string) string {
	n := warehouse.WorkTable(s.conn.Database(), s.prefix+what)
	s.names = append(s.names, n)
	return n
}

// drop drops every scratch table, newest first (views before the tables
// they read), even when the run's context is cancelled.
func (s *scratch) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := len(s.names) - 1; i >= 0; i-- {
		_ = s.conn.Exec(ctx, "DROP TABLE IF EXISTS "+s.names[i])
	}
}

// execQuery runs the named query of model's SQL file with the tables
// filled in.
func execQuery(ctx context.Context, conn warehouse.Conn, model, query string, tables map[string]string, args ...any) error {
	q, err := Query(model, query, tables)
	if err != nil {
		return err
	}
	if err := conn.Exec(warehouse.WithQueryName(ctx, model+"_"+query), q, usedArgs(q, args)...); err != nil {
		return fmt.Errorf("%s %s: %w", model, query, err)
	}
	return nil
}

// scanQuery runs the named query and calls row for every result row.
func scanQuery(ctx context.Context, conn warehouse.Conn, model, query string, tables map[string]string, args []any, row func(warehouse.Rows) error) error {
	q, err := Query(model, query, tables)
	if err != nil {
		return err
	}
	rows, err := conn.Query(warehouse.WithQueryName(ctx, model+"_"+query), q, usedArgs(q, args)...)
	if err != nil {
		return fmt.Errorf("%s %s: %w", model, query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return fmt.Errorf("%s %s: %w", model, query, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", model, query, err)
	}
	return nil
}

// usedArgs keeps the named arguments whose @name placeholder occurs in q.
// The predictive models pass one set of window values to several queries;
// clickhouse-go ignores unused names, but chDB's binder refuses them.
func usedArgs(q string, args []any) []any {
	out := make([]any, 0, len(args))
	for _, a := range args {
		if nv, ok := a.(driver.NamedValue); ok && !hasPlaceholder(q, nv.Name) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// hasPlaceholder reports whether @name occurs in q as a whole placeholder
// (not as the start of a longer one: @as_of is not in @as_of_end).
func hasPlaceholder(q, name string) bool {
	p := "@" + name
	for i := strings.Index(q, p); i >= 0; {
		end := i + len(p)
		if end == len(q) || !isNameByte(q[end]) {
			return true
		}
		j := strings.Index(q[end:], p)
		if j < 0 {
			return false
		}
		i = end + j
	}
	return false
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
