package exporters

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Querier is what an export needs from the warehouse: read-only queries.
// warehouse.Conn satisfies it.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
}

// Params are the values an export binds into a source's query.
type Params struct {
	// AsOf is the exported date.
	AsOf time.Time
	// Previous is the latest as_of exported before AsOf into the same
	// directory that still has a snapshot; zero when there is none.
	Previous time.Time
	// RunID is the run of the source's Model in AsOf's snapshot, and
	// PreviousRunID in Previous's; empty for a source without a Model.
	RunID, PreviousRunID string
}

// Source is one allow-listed table of an export: a ClickHouse table read
// for one as_of, or a query.
type Source struct {
	// Name names the files (NAME.parquet, NAME.csv, NAME.arrow) and the
	// --tables flag: lower-case letters, digits and _, starting with a letter.
	Name string
	// Table is the ClickHouse table read with WHERE AsOfColumn = as_of, in
	// the client's database. Used when Query is empty.
	Table string
	// AsOfColumn is the Date column Table is filtered on (default "as_of").
	AsOfColumn string
	// Query is a SELECT (from an embedded .sql file) whose ? placeholders
	// are bound to Args(params). Its column order is the files' order.
	Query string
	// Args returns the Query's bound values.
	Args func(Params) []any
	// Model, when set, names the model whose output the source is: the
	// export then reads it only from the date's complete snapshot (a Table
	// source adds run_id = the snapshot's run of Model; a Query source
	// binds Params.RunID), refuses a date without one, and fails when the
	// snapshot changes while it runs.
	Model string
	// Reads are the model tables a Query source with a Model reads (for
	// the check that their partitions were not replaced meanwhile); a
	// Table source reads Table.
	Reads []string
	// Exclude names columns left out of the files (e.g. run_id, which
	// changes whenever a model re-runs although the data does not).
	Exclude []string
	// OrderBy are the leading sort keys, member_id first. The export then
	// sorts by every other non-array column too, so the row order, and
	// with it the file bytes, is fully determined by the data.
	OrderBy []string
	// OnRequest leaves the source out of an export that names no tables:
	// it is written only when --tables (Options.Tables) names it.
	OnRequest bool
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func (s Source) validate() error {
	if !validName.MatchString(s.Name) {
		return fmt.Errorf("source name %q: want lower-case letters, digits and _: %w", s.Name, ErrNotAllowed)
	}
	if (s.Table == "") == (s.Query == "") {
		return fmt.Errorf("source %s: set exactly one of Table and Query", s.Name)
	}
	if s.Query != "" && s.Args == nil {
		return fmt.Errorf("source %s: a Query needs Args", s.Name)
	}
	return nil
}

// inner returns the source's SELECT and its arguments.
func (s Source) inner(p Params) (string, []any) {
	if s.Query != "" {
		return strings.TrimRight(strings.TrimSpace(s.Query), ";"), s.Args(p)
	}
	col := s.AsOfColumn
	if col == "" {
		col = "as_of"
	}
	if s.Model != "" {
		return fmt.Sprintf("SELECT * FROM %s WHERE %s = toDate(?) AND run_id = ?", warehouse.QuoteIdent(s.Table), warehouse.QuoteIdent(col)),
			[]any{p.AsOf.Format(time.DateOnly), p.RunID}
	}
	return fmt.Sprintf("SELECT * FROM %s WHERE %s = toDate(?)", warehouse.QuoteIdent(s.Table), warehouse.QuoteIdent(col)),
		[]any{p.AsOf.Format(time.DateOnly)}
}

// reads returns the tables the source reads for the partition check.
func (s Source) reads() []string {
	if s.Table != "" {
		return []string{s.Table}
	}
	return s.Reads
}

// describe returns the columns the source's SELECT yields.
func (s Source) describe(ctx context.Context, q Querier, p Params) ([]Column, error) {
	sel, args := s.inner(p)
	rows, err := q.Query(ctx, "DESCRIBE TABLE ("+sel+"\n)", args...)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", s.Name, err)
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		// DESCRIBE has more columns on newer servers; name and type lead.
		vals := make([]string, len(rows.Columns()))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("describe %s: %w", s.Name, err)
		}
		if slices.Contains(s.Exclude, vals[0]) {
			continue
		}
		c, err := parseColumn(vals[0], vals[1])
		if err != nil {
			return nil, fmt.Errorf("describe %s: %w", s.Name, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe %s: %w", s.Name, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("describe %s: no columns", s.Name)
	}
	return cols, nil
}

// selectSQL is the ordered query an export streams.
func (s Source) selectSQL(cols []Column, p Params) (string, []any, error) {
	sel, args := s.inner(p)
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[c.Name] = true
	}
	var keys []string
	used := map[string]bool{}
	for _, k := range s.OrderBy {
		if !have[k] {
			return "", nil, fmt.Errorf("source %s: order by %s: no such column", s.Name, k)
		}
		keys = append(keys, warehouse.QuoteIdent(k))
		used[k] = true
	}
	for _, c := range cols {
		if !used[c.Name] && c.kind != kindArrayString {
			keys = append(keys, warehouse.QuoteIdent(c.Name))
		}
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = selectExpr(c)
	}
	return fmt.Sprintf("SELECT %s FROM (%s\n) ORDER BY %s", strings.Join(names, ", "), sel, strings.Join(keys, ", ")), args, nil
}

// selectExpr is how the export reads column c: Date, DateTime and Decimal
// arrive as the integers the files store (days since 1970-01-01, Unix
// seconds, the unscaled value), which the driver decodes without building
// a time.Time or a big.Int per value. Decimal goes through Decimal128 so
// that multiplying by 10^S cannot overflow (P <= 18, so the unscaled
// value fits Int64). The conversions keep order and NULLs; ORDER BY still
// names the source columns.
func selectExpr(c Column) string {
	q := warehouse.QuoteIdent(c.Name)
	switch c.kind {
	case kindDate:
		return "toUInt16(" + q + ")"
	case kindDateTime:
		return "toUInt32(" + q + ")"
	case kindDecimal:
		return fmt.Sprintf("toInt64(toDecimal128(%s, %d) * %s)", q, c.scale, "1"+strings.Repeat("0", c.scale))
	}
	return q
}

// Catalog is the export allow-list: the only tables an export may write,
// by name. Build it with NewCatalog; it is immutable and safe to share.
type Catalog struct {
	byName map[string]Source
	order  []string
}

// NewCatalog returns an allow-list of sources, refusing invalid and
// duplicate names. Exports write sources in the order given.
func NewCatalog(sources ...Source) (*Catalog, error) {
	c := &Catalog{byName: make(map[string]Source, len(sources))}
	for _, s := range sources {
		if err := s.validate(); err != nil {
			return nil, err
		}
		if _, dup := c.byName[s.Name]; dup {
			return nil, fmt.Errorf("source %s listed twice", s.Name)
		}
		c.byName[s.Name] = s
		c.order = append(c.order, s.Name)
	}
	return c, nil
}

// Names returns the allow-listed names in export order.
func (c *Catalog) Names() []string { return append([]string(nil), c.order...) }

// Select returns the sources named, in catalog order; no names means all
// but the OnRequest ones. A name outside the allow-list is refused with
// ErrNotAllowed.
func (c *Catalog) Select(names []string) ([]Source, error) {
	if len(names) == 0 {
		for _, n := range c.order {
			if !c.byName[n].OnRequest {
				names = append(names, n)
			}
		}
	}
	seen := map[string]bool{}
	var out []Source
	for _, n := range names {
		s, ok := c.byName[n]
		if !ok {
			return nil, fmt.Errorf("table %q (allowed: %s): %w", n, strings.Join(c.order, ", "), ErrNotAllowed)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, s)
		}
	}
	pos := make(map[string]int, len(c.order))
	for i, n := range c.order {
		pos[n] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return pos[out[i].Name] < pos[out[j].Name] })
	return out, nil
}
