package chdb

import (
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Rows is a result read in full from the engine and decoded row by row.
// It holds no engine resources: Close is only bookkeeping, and other
// statements may run on the Conn while Rows is open. A Rows is for one
// goroutine.
type Rows struct {
	names  []string
	types  []*chType
	r      reader
	row    []any
	hasRow bool
	err    error
	closed bool
}

func newRows(data []byte) (*Rows, error) {
	rs := &Rows{r: reader{buf: data}}
	if len(data) == 0 {
		return rs, nil // statements without a result set
	}
	names, types, err := rs.r.header()
	if err != nil {
		return nil, err
	}
	rs.names, rs.types, rs.row = names, types, make([]any, len(names))
	return rs, nil
}

// Next decodes the next row; it reports false at the end or on an error
// (see Err).
func (rs *Rows) Next() bool {
	rs.hasRow = false
	if rs.closed || rs.err != nil || rs.r.done() || len(rs.types) == 0 {
		return false
	}
	for i, t := range rs.types {
		v, err := rs.r.value(t)
		if err != nil {
			rs.err = fmt.Errorf("decode column %q (%s): %w", rs.names[i], t.name, err)
			return false
		}
		rs.row[i] = v
	}
	rs.hasRow = true
	return true
}

// Scan copies the current row into dest, one pointer per column, with
// clickhouse-go's typing: a column of type T scans into *T or **T where T
// is the column's Go type (UInt64 -> uint64, String -> string, Decimal ->
// decimal.Decimal, Date/DateTime -> time.Time, Array(T) -> []T), a NULL
// into **T, *any or a sql.Scanner. For convenience *any takes any column
// and *string any scalar column in its text form.
func (rs *Rows) Scan(dest ...any) error {
	if rs.closed {
		return errors.New("scan: rows are closed")
	}
	if !rs.hasRow {
		return errors.New("scan: no current row (call Next first)")
	}
	if len(dest) != len(rs.row) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(rs.row))
	}
	for i, d := range dest {
		if err := scanValue(rs.row[i], rs.types[i], d); err != nil {
			return fmt.Errorf("scan column %q (%s): %w", rs.names[i], rs.types[i].name, err)
		}
	}
	return nil
}

// Columns returns the column names.
func (rs *Rows) Columns() []string { return rs.names }

// ColumnTypes returns the ClickHouse type names of the columns.
func (rs *Rows) ColumnTypes() []string {
	out := make([]string, len(rs.types))
	for i, t := range rs.types {
		out[i] = t.name
	}
	return out
}

// Err returns the error that stopped Next, if any.
func (rs *Rows) Err() error { return rs.err }

// Close releases the rows; it is idempotent.
func (rs *Rows) Close() error {
	rs.closed, rs.hasRow = true, false
	return nil
}

func scanValue(v any, t *chType, dest any) error {
	if d, ok := dest.(*any); ok {
		*d = v
		return nil
	}
	if v == nil {
		return scanNull(dest)
	}
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	val := reflect.ValueOf(v)
	elem := rv.Elem()
	switch {
	case elem.Type() == val.Type():
		elem.Set(val)
		return nil
	case elem.Kind() == reflect.Pointer && elem.Type().Elem() == val.Type():
		p := reflect.New(val.Type())
		p.Elem().Set(val)
		elem.Set(p)
		return nil
	}
	if s, ok := dest.(sql.Scanner); ok {
		return s.Scan(v)
	}
	if s, ok := dest.(*string); ok && t.scalar() {
		*s = textOf(v, t)
		return nil
	}
	return fmt.Errorf("cannot scan into %T, use *%s", dest, val.Type())
}

// scanNull writes NULL into dest as clickhouse-go does: nil for pointer,
// slice, map and interface destinations, Scan(nil) for a sql.Scanner, an
// error otherwise.
func scanNull(dest any) error {
	if s, ok := dest.(sql.Scanner); ok {
		return s.Scan(nil)
	}
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	switch rv.Elem().Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		rv.Elem().SetZero()
		return nil
	}
	return fmt.Errorf("cannot scan NULL into %T, use *%T or a sql.Scanner", dest, dest)
}

// scalar reports whether t (or its Nullable element) is not an array.
func (t *chType) scalar() bool {
	if t.kind == kNullable {
		return t.elem.scalar()
	}
	return t.kind != kArray
}

// textOf formats a scalar value as ClickHouse's text formats would.
func textOf(v any, t *chType) string {
	if t.kind == kNullable {
		t = t.elem
	}
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case decimal.Decimal:
		return v.StringFixed(int32(t.scale))
	case *big.Int:
		return v.String()
	case time.Time:
		switch t.kind {
		case kDate, kDate32:
			return v.Format(time.DateOnly)
		case kDateTime64:
			if t.scale > 0 {
				return v.Format("2006-01-02 15:04:05." + "000000000"[:t.scale])
			}
		}
		return v.Format(time.DateTime)
	}
	return fmt.Sprint(v)
}
