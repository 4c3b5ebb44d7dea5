package query

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Tables maps {{name}} placeholders to table names. A name not already
// quoted is quoted; only identifiers from the caller's code go here.
type Tables map[string]string

// Reader is what Row and Each need: read-only queries. warehouse.Conn
// satisfies it.
type Reader interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
}

// Q runs the named queries of one set (a model's SQL file, or the report's
// queries) on one connection. It is safe for concurrent use.
type Q struct {
	s    *Set
	r    Reader
	conn warehouse.Conn // nil for a read-only Q
}

// ForReport returns the report's read-only queries, sql/report/NAME.sql,
// on r. Exec, Scratch and Stage refuse to run on it.
func ForReport(r Reader) *Q { return &Q{s: report, r: r} }

// Name returns the set's name: the model's, or "report".
func (q *Q) Name() string { return q.s.name }

// errReadOnly means a write was asked of a read-only Q.
var errReadOnly = errors.New("read-only queries")

// Text returns query name with its {{placeholders}} filled from tables.
func (q *Q) Text(name string, tables Tables) (string, error) {
	s := q.s
	if s.err != nil {
		return "", fmt.Errorf("%s.%s: %w", q.s.name, name, s.err)
	}
	text, ok := s.queries[name]
	if !ok {
		return "", fmt.Errorf("%s.%s: %w: no such query", q.s.name, name, ErrNoSQL)
	}
	for k, v := range tables {
		if !strings.HasPrefix(v, "`") {
			v = warehouse.QuoteIdent(v)
		}
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	if i := strings.Index(text, "{{"); i >= 0 {
		end := min(len(text), i+30)
		return "", fmt.Errorf("%s.%s: unfilled placeholder near %q", q.s.name, name, text[i:end])
	}
	return text, nil
}

// label names a query for the query-duration metric and errors.
func (q *Q) label(name string) string { return q.s.name + "." + name }

// Exec runs query name, a statement that returns no rows.
func (q *Q) Exec(ctx context.Context, name string, tables Tables, args ...any) error {
	if q.conn == nil {
		return fmt.Errorf("%s: %w", q.label(name), errReadOnly)
	}
	text, err := q.Text(name, tables)
	if err != nil {
		return err
	}
	if err := q.conn.Exec(warehouse.WithQueryName(ctx, q.label(name)), text, args...); err != nil {
		return fmt.Errorf("%s: %w", q.label(name), err)
	}
	return nil
}

// Each runs query name and calls fn for every row; an error from fn stops
// the query and is returned wrapped.
func (q *Q) Each(ctx context.Context, name string, tables Tables, args []any, fn func(warehouse.Rows) error) error {
	text, err := q.Text(name, tables)
	if err != nil {
		return err
	}
	rows, err := q.r.Query(warehouse.WithQueryName(ctx, q.label(name)), text, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q.label(name), err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("%s: %w", q.label(name), err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", q.label(name), err)
	}
	return nil
}

// Row runs query name and scans its one row into dest; no row is an error.
func (q *Q) Row(ctx context.Context, name string, tables Tables, args []any, dest ...any) error {
	seen := false
	err := q.Each(ctx, name, tables, args, func(r warehouse.Rows) error {
		if seen {
			return nil
		}
		seen = true
		return r.Scan(dest...)
	})
	if err != nil {
		return err
	}
	if !seen {
		return fmt.Errorf("%s: no row", q.label(name))
	}
	return nil
}
