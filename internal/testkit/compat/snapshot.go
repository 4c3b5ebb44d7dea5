package compat

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Table is the content of one table as read by Snapshot: its columns and
// rows in an engine-independent order.
type Table struct {
	Name    string
	Columns []Column
	Rows    []Row
}

// Row holds one row: Text[i] is column i in ClickHouse's text form
// (toString; "\N" for NULL; a canonical number for Decimal), or, for a
// float column, Float[i] is its value and Null[i] whether it is NULL.
type Row struct {
	Text  []string
	Float []float64
	Null  []bool
}

// kind is how a column is read and compared.
type kind int

const (
	kindText    kind = iota // toString, compared exactly
	kindDecimal             // toString, compared as a decimal number
	kindFloat               // toFloat64, compared with a tolerance
	kindTime                // toString, zero date normalised, compared exactly
)

func kindOf(typ string) (k kind, nullable bool) {
	t := NormalizeType(typ)
	if inner, ok := strings.CutPrefix(t, "Nullable("); ok {
		t, nullable = strings.TrimSuffix(inner, ")"), true
	}
	switch {
	case t == "Float32" || t == "Float64":
		return kindFloat, nullable
	case strings.HasPrefix(t, "Decimal"):
		return kindDecimal, nullable
	case t == "Date" || strings.HasPrefix(t, "DateTime"):
		return kindTime, nullable
	}
	return kindText, nullable
}

// collapsing reports engines that merge rows with the same key in the
// background, so a plain SELECT depends on merge timing: they are read
// with FINAL.
func collapsing(engine string) bool {
	for _, e := range []string{"Replacing", "Collapsing", "Summing", "Aggregating"} {
		if strings.Contains(engine, e) {
			return true
		}
	}
	return false
}

// Options adjusts Snapshot.
type Options struct {
	// SkipColumns names columns not compared, such as the time a
	// migration or a run happened. Nil compares every column.
	SkipColumns func(table, column string) bool
	// Where returns a SQL condition selecting the rows of table to
	// compare, or "" for all: for rows that legitimately differ per run,
	// such as a model's run_seconds metric. Nil compares every row.
	Where func(table string) string
}

// Snapshot reads every row of table in conn's database. The columns are
// the table's (less any SkipColumns), the rows ordered by the table's
// sorting key, then by every other non-float column, then by the floats.
func Snapshot(ctx context.Context, conn warehouse.Conn, schema TableSchema, opt Options) (*Table, error) {
	t := &Table{Name: schema.Name}
	var exprs, order []string
	var kinds []kind
	var nulls []bool
	for _, c := range schema.Columns {
		if opt.SkipColumns != nil && opt.SkipColumns(schema.Name, c.Name) {
			continue
		}
		t.Columns = append(t.Columns, c)
		k, nullable := kindOf(c.Type)
		kinds, nulls = append(kinds, k), append(nulls, nullable)
		id := warehouse.QuoteIdent(c.Name)
		switch k {
		case kindFloat:
			exprs = append(exprs, "isNull("+id+")", "ifNull(toFloat64("+id+"), 0)")
		default:
			exprs = append(exprs, `ifNull(toString(`+id+`), '\\N')`)
			order = append(order, id)
		}
	}
	if len(t.Columns) == 0 {
		return t, nil
	}
	for i, c := range t.Columns {
		if kinds[i] == kindFloat {
			order = append(order, warehouse.QuoteIdent(c.Name))
		}
	}
	if schema.SortingKey != "" {
		order = append([]string{schema.SortingKey}, order...)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + warehouse.QuoteIdent(schema.Name)
	if collapsing(schema.Engine) {
		q += " FINAL"
	}
	if opt.Where != nil {
		if w := opt.Where(schema.Name); w != "" {
			q += " WHERE " + w
		}
	}
	q += " ORDER BY " + strings.Join(order, ", ")
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", schema.Name, err)
	}
	dest := make([]any, len(exprs))
	texts := make([]string, len(t.Columns))
	floats := make([]float64, len(t.Columns))
	isNull := make([]uint8, len(t.Columns))
	j := 0
	for i, k := range kinds {
		if k == kindFloat {
			dest[j], dest[j+1] = &isNull[i], &floats[i]
			j += 2
		} else {
			dest[j] = &texts[i]
			j++
		}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("snapshot %s: %w", schema.Name, err)
		}
		r := Row{Text: make([]string, len(kinds)), Float: make([]float64, len(kinds)), Null: make([]bool, len(kinds))}
		for i, k := range kinds {
			switch k {
			case kindFloat:
				r.Float[i], r.Null[i] = floats[i], isNull[i] == 1
			case kindDecimal:
				r.Text[i] = canonicalDecimal(texts[i])
				r.Null[i] = texts[i] == `\N`
			case kindTime:
				r.Text[i] = canonicalTime(texts[i])
				r.Null[i] = nulls[i] && texts[i] == `\N`
			default:
				r.Text[i] = texts[i]
				r.Null[i] = nulls[i] && texts[i] == `\N`
			}
		}
		t.Rows = append(t.Rows, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", schema.Name, err)
	}
	return t, nil
}

// canonicalDecimal rewrites a decimal's text without trailing zeros
// (12.30 and 12.3 both become 12.3), leaving anything unparseable as is.
func canonicalDecimal(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return d.String()
}

// canonicalTime writes the zero Date or DateTime as 26.7 does: 18.16
// prints the zero value (1970-01-01, the Unix epoch) as 0000-00-00 and
// 0000-00-00 00:00:00.
func canonicalTime(s string) string {
	if rest, ok := strings.CutPrefix(s, "0000-00-00"); ok {
		if rest == "" {
			return "1970-01-01"
		}
		if rest == " 00:00:00" {
			return "1970-01-01 00:00:00"
		}
	}
	return s
}

// Tolerance bounds the difference allowed between two floats: a and b
// agree when |a-b| <= Abs + Rel*max(|a|, |b|), or both are NaN, or they
// are the same infinity.
type Tolerance struct {
	Rel, Abs float64
}

// DefaultTolerance is relative 1e-9, absolute 1e-12.
//
// Why: the engines compute the same formulas but not in the same order.
// Sums and averages are accumulated per thread and per block and then
// merged, and block sizes and thread counts differ between versions (and
// between a server and chDB), so a sum of n terms may differ by about
// n*eps*sum(|x|) (eps = 2.2e-16): for the ~1e5 rows of a test data set,
// about 2e-11 relative when the terms share a sign. exp, log, pow and sqrt
// come from different math libraries, off by an ulp or so. 1e-9 leaves
// fifty times that margin while still catching any real difference of
// formula, rounding mode (round vs floor), type (Float32 vs Float64) or
// filter, which all show at 1e-7 or more. The absolute 1e-12 keeps
// results that should be 0 (a difference of equal sums) from failing on
// the last bits of cancellation. Statistics that cancel catastrophically
// (a variance from sums of squares of large values) may need a wider
// tolerance: pass one and say why.
var DefaultTolerance = Tolerance{Rel: 1e-9, Abs: 1e-12}

// Equal reports whether a and b agree within t.
func (t Tolerance) Equal(a, b float64) bool {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.IsNaN(a) && math.IsNaN(b)
	case math.IsInf(a, 0) || math.IsInf(b, 0):
		return a == b
	}
	return math.Abs(a-b) <= t.Abs+t.Rel*math.Max(math.Abs(a), math.Abs(b))
}

// maxDiffs bounds the differences CompareTables lists per table.
const maxDiffs = 20

// CompareTables lists the differences between two snapshots of one table:
// columns, row count, and up to 20 differing values, each naming the row
// by its first columns. It returns nil when they agree.
func CompareTables(nameA string, a *Table, nameB string, b *Table, tol Tolerance) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	colNames := func(t *Table) []string {
		var out []string
		for _, c := range t.Columns {
			out = append(out, c.Name)
		}
		return out
	}
	if !slices.Equal(colNames(a), colNames(b)) {
		add("%s: columns %q on %s, %q on %s", a.Name, colNames(a), nameA, colNames(b), nameB)
		return diffs
	}
	if len(a.Rows) != len(b.Rows) {
		add("%s: %d rows on %s, %d on %s", a.Name, len(a.Rows), nameA, len(b.Rows), nameB)
	}
	for r := 0; r < min(len(a.Rows), len(b.Rows)) && len(diffs) < maxDiffs; r++ {
		ra, rb := a.Rows[r], b.Rows[r]
		for i, c := range a.Columns {
			k, _ := kindOf(c.Type)
			var same bool
			var va, vb string
			if k == kindFloat {
				same = ra.Null[i] == rb.Null[i] && (ra.Null[i] || tol.Equal(ra.Float[i], rb.Float[i]))
				va, vb = floatText(ra, i), floatText(rb, i)
			} else {
				same = ra.Text[i] == rb.Text[i]
				va, vb = ra.Text[i], rb.Text[i]
			}
			if !same {
				add("%s row %d (%s) column %s: %s on %s, %s on %s", a.Name, r+1, rowLabel(a, ra), c.Name, va, nameA, vb, nameB)
			}
		}
	}
	return diffs
}

func floatText(r Row, i int) string {
	if r.Null[i] {
		return `\N`
	}
	return fmt.Sprintf("%.17g", r.Float[i])
}

// rowLabel names a row by up to three of its text columns.
func rowLabel(t *Table, r Row) string {
	var parts []string
	for i, c := range t.Columns {
		if k, _ := kindOf(c.Type); k == kindFloat {
			continue
		}
		parts = append(parts, c.Name+"="+r.Text[i])
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
