package compat

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Schema is the structure of one database: its tables (and views) by name.
type Schema struct {
	Tables map[string]TableSchema
}

// TableSchema is one table or view as the engine reports it.
type TableSchema struct {
	Name       string
	Engine     string // MergeTree, ReplacingMergeTree, View, ...
	SortingKey string // empty for views
	Columns    []Column
}

// Column is one column as DESCRIBE TABLE reports it.
type Column struct {
	Name, Type, Comment string
}

// ReadSchema reads every table of conn's database with its columns, in
// table order (DESCRIBE TABLE).
func ReadSchema(ctx context.Context, conn warehouse.Conn) (Schema, error) {
	rows, err := conn.Query(ctx,
		"SELECT name, engine, sorting_key FROM system.tables WHERE database = ? ORDER BY name", conn.Database())
	if err != nil {
		return Schema{}, fmt.Errorf("read schema of %s: %w", conn.Database(), err)
	}
	s := Schema{Tables: map[string]TableSchema{}}
	var names []string
	for rows.Next() {
		var t TableSchema
		if err := rows.Scan(&t.Name, &t.Engine, &t.SortingKey); err != nil {
			rows.Close()
			return Schema{}, fmt.Errorf("read schema of %s: %w", conn.Database(), err)
		}
		s.Tables[t.Name] = t
		names = append(names, t.Name)
	}
	if err := closeRows(rows); err != nil {
		return Schema{}, fmt.Errorf("read schema of %s: %w", conn.Database(), err)
	}
	for _, name := range names {
		t := s.Tables[name]
		if t.Columns, err = describe(ctx, conn, name); err != nil {
			return Schema{}, err
		}
		s.Tables[name] = t
	}
	return s, nil
}

// describe reads DESCRIBE TABLE by column name: its columns differ
// between versions (18.16: name, type, default_type, default_expression,
// comment_expression; 26.7: ..., comment, codec_expression,
// ttl_expression).
func describe(ctx context.Context, conn warehouse.Conn, table string) ([]Column, error) {
	rows, err := conn.Query(ctx, "DESCRIBE TABLE "+warehouse.QuoteIdent(table))
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", table, err)
	}
	header := rows.Columns()
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	// 18.16 calls the comment column comment_expression.
	if i, ok := idx["comment_expression"]; ok {
		if _, ok := idx["comment"]; !ok {
			idx["comment"] = i
		}
	}
	for _, want := range []string{"name", "type", "comment"} {
		if _, ok := idx[want]; !ok {
			rows.Close()
			return nil, fmt.Errorf("describe %s: no %q column in %q", table, want, header)
		}
	}
	var out []Column
	vals := make([]string, len(header))
	dest := make([]any, len(header))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("describe %s: %w", table, err)
		}
		out = append(out, Column{Name: vals[idx["name"]], Type: vals[idx["type"]], Comment: vals[idx["comment"]]})
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("describe %s: %w", table, err)
	}
	return out, nil
}

func closeRows(rows warehouse.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// typeEquivalents maps a type name as one version reports it to the name
// the other reports for the same type, after spaces are normalised.
// ClickHouse 18.16 and 26.7 report every type memberlytics' migrations use
// identically (String, UInt32, Float64, Decimal(18, 2), DateTime('UTC'),
// Nullable(Date), ...); add a pair here, with the versions and a test row,
// when a new type reports differently.
var typeEquivalents = map[string]string{}

var typeSpaces = regexp.MustCompile(`\s*([(),])\s*`)

// NormalizeType returns the form of a reported type name used to compare
// versions: spaces around parentheses and after commas normalised to
// ClickHouse's own "Decimal(18, 2)" spelling, then typeEquivalents applied.
func NormalizeType(t string) string {
	t = typeSpaces.ReplaceAllString(strings.TrimSpace(t), "$1")
	t = strings.ReplaceAll(t, ",", ", ")
	if eq, ok := typeEquivalents[t]; ok {
		return eq
	}
	return t
}

// CompareSchemas lists the differences between two schemas: tables only
// on one side, a different engine or sorting key, columns missing, out of
// order, of another type (after NormalizeType) or with another comment.
// Each table column must also have a comment, on both sides (views' columns
// have none, on any version). It returns nil when the schemas agree.
func CompareSchemas(nameA string, a Schema, nameB string, b Schema) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	for _, name := range sortedKeys(a.Tables) {
		ta := a.Tables[name]
		tb, ok := b.Tables[name]
		if !ok {
			add("table %s: on %s only", name, nameA)
			continue
		}
		if ta.Engine != tb.Engine {
			add("table %s: engine %s on %s, %s on %s", name, ta.Engine, nameA, tb.Engine, nameB)
		}
		if ta.SortingKey != tb.SortingKey {
			add("table %s: sorting key %q on %s, %q on %s", name, ta.SortingKey, nameA, tb.SortingKey, nameB)
		}
		if len(ta.Columns) != len(tb.Columns) {
			add("table %s: %d columns on %s, %d on %s", name, len(ta.Columns), nameA, len(tb.Columns), nameB)
		}
		for i := 0; i < min(len(ta.Columns), len(tb.Columns)); i++ {
			ca, cb := ta.Columns[i], tb.Columns[i]
			if ca.Name != cb.Name {
				add("table %s column %d: %s on %s, %s on %s", name, i+1, ca.Name, nameA, cb.Name, nameB)
				continue
			}
			if NormalizeType(ca.Type) != NormalizeType(cb.Type) {
				add("table %s column %s: type %s on %s, %s on %s", name, ca.Name, ca.Type, nameA, cb.Type, nameB)
			}
			if ca.Comment != cb.Comment {
				add("table %s column %s: comment %q on %s, %q on %s", name, ca.Name, ca.Comment, nameA, cb.Comment, nameB)
			}
			if ta.Engine != "View" && (ca.Comment == "" || cb.Comment == "") {
				add("table %s column %s: no comment", name, ca.Name)
			}
		}
	}
	for _, name := range sortedKeys(b.Tables) {
		if _, ok := a.Tables[name]; !ok {
			add("table %s: on %s only", name, nameB)
		}
	}
	return diffs
}
