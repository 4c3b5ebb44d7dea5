package exporters

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// vector holds one column of a batch. Which slice is used depends on the
// column's kind:
//
//	i64: Int8..Int64, Date (days since 1970-01-01), DateTime (Unix
//	     microseconds), Decimal (unscaled value: 12.34 in Decimal(18,2) is 1234)
//	u64: UInt8..UInt64
//	f64: Float32, Float64
//	str: String (valid UTF-8; invalid bytes become U+FFFD)
//	arr: Array(String)
//
// nulls is set for Nullable columns; a null row holds the zero value.
type vector struct {
	nulls []bool
	i64   []int64
	u64   []uint64
	f64   []float64
	str   []string
	arr   [][]string
}

func (v *vector) reset() {
	v.nulls = v.nulls[:0]
	v.i64 = v.i64[:0]
	v.u64 = v.u64[:0]
	v.f64 = v.f64[:0]
	clear(v.str)
	v.str = v.str[:0]
	clear(v.arr)
	v.arr = v.arr[:0]
}

// isNull reports whether row i of a Nullable column is NULL.
func (v *vector) isNull(i int) bool { return v.nulls != nil && v.nulls[i] }

// batch is a bounded slice of rows, held column by column.
type batch struct {
	cols []Column
	vecs []vector
	n    int
}

func newBatch(cols []Column) *batch {
	b := &batch{cols: cols, vecs: make([]vector, len(cols))}
	for i, c := range cols {
		if c.nullable {
			b.vecs[i].nulls = []bool{}
		}
	}
	return b
}

func (b *batch) reset() {
	for i := range b.vecs {
		b.vecs[i].reset()
	}
	b.n = 0
}

// scanner turns driver rows into batch columns: dest holds one scan
// destination per column, push appends the scanned values.
type scanner struct {
	dest []any
	push []func(*vector)
}

func newScanner(cols []Column) (*scanner, error) {
	s := &scanner{dest: make([]any, len(cols)), push: make([]func(*vector), len(cols))}
	for i, c := range cols {
		var d any
		var p func(*vector)
		n := c.nullable
		switch c.kind {
		case kindString:
			d, p = scanAs(n, func(v *vector, x string) { v.str = append(v.str, validUTF8(x)) })
		case kindInt8:
			d, p = scanAs(n, func(v *vector, x int8) { v.i64 = append(v.i64, int64(x)) })
		case kindInt16:
			d, p = scanAs(n, func(v *vector, x int16) { v.i64 = append(v.i64, int64(x)) })
		case kindInt32:
			d, p = scanAs(n, func(v *vector, x int32) { v.i64 = append(v.i64, int64(x)) })
		case kindInt64:
			d, p = scanAs(n, func(v *vector, x int64) { v.i64 = append(v.i64, x) })
		case kindUInt8:
			d, p = scanAs(n, func(v *vector, x uint8) { v.u64 = append(v.u64, uint64(x)) })
		case kindUInt16:
			d, p = scanAs(n, func(v *vector, x uint16) { v.u64 = append(v.u64, uint64(x)) })
		case kindUInt32:
			d, p = scanAs(n, func(v *vector, x uint32) { v.u64 = append(v.u64, uint64(x)) })
		case kindUInt64:
			d, p = scanAs(n, func(v *vector, x uint64) { v.u64 = append(v.u64, x) })
		case kindFloat32:
			d, p = scanAs(n, func(v *vector, x float32) { v.f64 = append(v.f64, float64(x)) })
		case kindFloat64:
			d, p = scanAs(n, func(v *vector, x float64) { v.f64 = append(v.f64, x) })
		// Date, DateTime and Decimal arrive as integers (see selectExpr).
		case kindDecimal:
			d, p = scanAs(n, func(v *vector, x int64) { v.i64 = append(v.i64, x) })
		case kindDate:
			d, p = scanAs(n, func(v *vector, x uint16) { v.i64 = append(v.i64, int64(x)) })
		case kindDateTime:
			d, p = scanAs(n, func(v *vector, x uint32) { v.i64 = append(v.i64, int64(x)*1e6) })
		case kindArrayString:
			d, p = scanAs(false, func(v *vector, x []string) {
				out := make([]string, len(x))
				for j, s := range x {
					out[j] = validUTF8(s)
				}
				v.arr = append(v.arr, out)
			})
		default:
			return nil, fmt.Errorf("column %s: %w", c.Name, ErrUnsupportedType)
		}
		s.dest[i], s.push[i] = d, p
	}
	return s, nil
}

// scanAs returns a scan destination for T (or *T when nullable) and the
// function that appends what was scanned.
func scanAs[T any](nullable bool, put func(*vector, T)) (any, func(*vector)) {
	if !nullable {
		x := new(T)
		return x, func(v *vector) { put(v, *x) }
	}
	p := new(*T)
	return p, func(v *vector) {
		if *p == nil {
			var zero T
			v.nulls = append(v.nulls, true)
			put(v, zero)
			return
		}
		v.nulls = append(v.nulls, false)
		put(v, **p)
	}
}

// scanRow scans the current row of rows into b.
func (s *scanner) scanRow(rows interface{ Scan(...any) error }, b *batch) error {
	if err := rows.Scan(s.dest...); err != nil {
		return err
	}
	for i, push := range s.push {
		push(&b.vecs[i])
	}
	b.n++
	return nil
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
