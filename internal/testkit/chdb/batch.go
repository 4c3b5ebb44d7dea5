package chdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// insertRE matches the statements PrepareBatch accepts:
// INSERT INTO [db.]table (a, b, c) [VALUES].
var insertRE = regexp.MustCompile(`(?is)^\s*(INSERT\s+INTO\s+(?:TABLE\s+)?(.+?)\s*\((.*)\))\s*(?:VALUES\s*)?;?\s*$`)

// Batch buffers rows for one INSERT, encoded as RowBinary, and sends them
// in a single statement. It implements warehouse.Batch and is for one
// goroutine.
type Batch struct {
	ctx    context.Context
	conn   *Conn
	insert string // INSERT INTO t (a, b, c)
	names  []string
	cols   []*batchColumn
	done   bool
}

var _ warehouse.Batch = (*Batch)(nil)

// batchColumn holds one column's values encoded as RowBinary, ends[i]
// being the end of row i's bytes.
type batchColumn struct {
	b    *Batch
	i    int
	t    *chType
	data []byte
	ends []int
	err  error // a failed column append spoils the batch
}

// PrepareBatch starts a batch insert. The query must name its columns,
// INSERT INTO t (a, b, c), as clickhouse-go requires against ClickHouse
// 18.16; a trailing VALUES is allowed. The column types are read from the
// table now, so values are checked as they are appended. ctx applies to
// the whole batch, Send included.
func (c *Conn) PrepareBatch(ctx context.Context, query string) (warehouse.Batch, error) {
	m := insertRE.FindStringSubmatch(query)
	if m == nil {
		return nil, fmt.Errorf("prepare batch: want INSERT INTO table (columns...), got %q", query)
	}
	insert, table, columns := m[1], m[2], m[3]
	if strings.TrimSpace(columns) == "" {
		return nil, fmt.Errorf("prepare batch: empty column list in %q", query)
	}
	data, err := c.run(ctx, []byte("SELECT "+columns+" FROM "+table+" LIMIT 0"), "RowBinaryWithNamesAndTypes")
	if err != nil {
		return nil, fmt.Errorf("prepare batch for %s: %w", table, err)
	}
	r := reader{buf: data}
	names, types, err := r.header()
	if err != nil {
		return nil, fmt.Errorf("prepare batch for %s: %w", table, err)
	}
	b := &Batch{ctx: ctx, conn: c, insert: insert, names: names}
	for i, t := range types {
		b.cols = append(b.cols, &batchColumn{b: b, i: i, t: t})
	}
	return b, nil
}

// Append adds one row, a value per column in the order of the INSERT.
// Values follow clickhouse-go: for example uint64 (or another integer that
// fits) for UInt64, string for String, decimal.Decimal for Decimal,
// time.Time for Date and DateTime, nil or a nil pointer for NULL, a slice
// for Array.
func (b *Batch) Append(v ...any) error {
	if b.done {
		return ErrBatchSent
	}
	if len(v) != len(b.cols) {
		return fmt.Errorf("append: %d values for %d columns", len(v), len(b.cols))
	}
	for i, col := range b.cols {
		mark := len(col.data)
		var err error
		if col.data, err = appendValue(col.data, col.t, v[i]); err != nil {
			// Undo this row in the columns already written.
			col.data = col.data[:mark]
			for _, prev := range b.cols[:i] {
				prev.ends = prev.ends[:len(prev.ends)-1]
				prev.data = prev.data[:prev.end()]
			}
			return fmt.Errorf("append column %q (%s): %w", b.names[i], col.t.name, err)
		}
		col.ends = append(col.ends, len(col.data))
	}
	return nil
}

// end is where the column's last complete row ends.
func (col *batchColumn) end() int {
	if len(col.ends) == 0 {
		return 0
	}
	return col.ends[len(col.ends)-1]
}

// Column returns column i for column-wise appends.
func (b *Batch) Column(i int) warehouse.BatchColumn {
	if i < 0 || i >= len(b.cols) {
		return badColumn{fmt.Errorf("column %d out of range: the batch has %d columns", i, len(b.cols))}
	}
	return b.cols[i]
}

type badColumn struct{ err error }

func (c badColumn) Append(any) error { return c.err }

// Append adds a whole slice of values to the column. As in clickhouse-go
// the slice's element type must be the column's Go type (or a pointer to
// it for Nullable): []uint64 for UInt64, []string for String, []time.Time
// for Date and DateTime (or []int64 Unix seconds for DateTime, as
// clickhouse-go also takes), []decimal.Decimal for Decimal, [][]T for Array.
func (col *batchColumn) Append(v any) error {
	if col.b.done {
		return ErrBatchSent
	}
	if col.err != nil {
		return col.err
	}
	if err := col.appendSlice(v); err != nil {
		col.err = fmt.Errorf("append to column %q (%s): %w", col.b.names[col.i], col.t.name, err)
		return col.err
	}
	return nil
}

func (col *batchColumn) appendSlice(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return fmt.Errorf("want a slice, got %T", v)
	}
	if secs, ok := v.([]int64); ok && col.t.kind == kDateTime {
		// clickhouse-go takes Unix seconds for a DateTime too.
		for i, x := range secs {
			if x < 0 || x > math.MaxUint32 {
				return fmt.Errorf("row %d: %d seconds is out of range for DateTime", i, x)
			}
		}
		for _, x := range secs {
			col.data = binary.LittleEndian.AppendUint32(col.data, uint32(x))
			col.ends = append(col.ends, len(col.data))
		}
		return nil
	}
	want := col.t.goType()
	et := rv.Type().Elem()
	ok := et == want
	if col.t.kind == kNullable {
		ok = et == want || et == want.Elem()
	}
	if !ok {
		return fmt.Errorf("cannot append %T, use []%s", v, want)
	}
	mark, nends := len(col.data), len(col.ends)
	if col.appendFast(v) {
		return nil
	}
	for i := 0; i < rv.Len(); i++ {
		var err error
		if col.data, err = appendValue(col.data, col.t, rv.Index(i).Interface()); err != nil {
			col.data, col.ends = col.data[:mark], col.ends[:nends]
			return fmt.Errorf("row %d: %w", i, err)
		}
		col.ends = append(col.ends, len(col.data))
	}
	return nil
}

// Rows reports how many rows the batch holds (those of its first column).
func (b *Batch) Rows() int {
	if len(b.cols) == 0 {
		return 0
	}
	return len(b.cols[0].ends)
}

// Send inserts the rows in one statement, streaming them to the engine as
// RowBinary. A batch is sent once; an empty batch sends nothing.
func (b *Batch) Send() error {
	if b.done {
		return ErrBatchSent
	}
	b.done = true
	defer b.release()
	rows := b.Rows()
	for i, col := range b.cols {
		if col.err != nil {
			return fmt.Errorf("send: %w", col.err)
		}
		if len(col.ends) != rows {
			return fmt.Errorf("send: column %q has %d rows, column %q has %d",
				b.names[i], len(col.ends), b.names[0], rows)
		}
	}
	if rows == 0 {
		return nil
	}
	size := 0
	for _, col := range b.cols {
		size += len(col.data)
	}
	var buf []byte
	if len(b.cols) == 1 {
		buf = b.cols[0].data
	} else {
		buf = make([]byte, 0, size)
		starts := make([]int, len(b.cols))
		for r := 0; r < rows; r++ {
			for c, col := range b.cols {
				end := col.ends[r]
				buf = append(buf, col.data[starts[c]:end]...)
				starts[c] = end
			}
		}
	}
	return b.conn.insert(b.ctx, b.insert, "RowBinary", buf)
}

// Abort drops the batch without sending it.
func (b *Batch) Abort() error {
	if b.done {
		return ErrBatchSent
	}
	b.done = true
	b.release()
	return nil
}

func (b *Batch) release() {
	for _, col := range b.cols {
		col.data, col.ends = nil, nil
	}
}

var errNull = errors.New("NULL for a column that is not Nullable")
