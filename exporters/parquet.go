package exporters

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Parquet compression codecs accepted by ParquetOptions.Compression.
const (
	CompressionZstd   = "zstd"
	CompressionSnappy = "snappy"
)

// ParquetOptions tune the Parquet files.
type ParquetOptions struct {
	// Compression is "zstd" (default; the fastest zstd level, which cost
	// 11% more bytes than the default level and saved 29% of the export
	// time in scripts/bench-export.sh) or "snappy".
	Compression string
	// RowGroupRows is the most rows per row group (default 1,048,576). A
	// writer buffers one row group, compressed, in memory.
	RowGroupRows int64
}

// DefaultRowGroupRows is the default Parquet row group size.
const DefaultRowGroupRows = 1 << 20

// parquetSchema maps columns to a Parquet schema whose leaf columns are in
// the columns' order (one leaf per column):
//
//	String                  BYTE_ARRAY STRING (dictionary-encoded, except identifier columns)
//	Int8/16/32, Int64       INT32 INT(8/16/32, signed), INT64 INT(64, signed)
//	UInt8/16/32, UInt64     INT32 INT(8/16/32, unsigned), INT64 INT(64, unsigned)
//	Float32, Float64        FLOAT, DOUBLE
//	Decimal(P,S), P <= 9    INT32 DECIMAL(P,S)
//	Decimal(P,S), P <= 18   INT64 DECIMAL(P,S)
//	Date                    INT32 DATE
//	DateTime[('tz')]        INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)
//	Array(String)           LIST of required STRING (dictionary-encoded)
//	Nullable(T)             T, OPTIONAL (otherwise REQUIRED)
func parquetSchema(name string, cols []Column) *parquet.Schema {
	fields := make([]parquet.Field, len(cols))
	g := make(parquet.Group, len(cols))
	for i, c := range cols {
		n := parquetNode(c)
		g[c.Name] = n
		fields[i] = &orderedField{Node: n, name: c.Name}
	}
	return parquet.NewSchema(name, &orderedGroup{Group: g, fields: fields})
}

func parquetNode(c Column) parquet.Node {
	var n parquet.Node
	switch c.kind {
	case kindString:
		n = parquet.String()
		if !isIdentifier(c.Name) {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		}
	case kindInt8:
		n = parquet.Int(8)
	case kindInt16:
		n = parquet.Int(16)
	case kindInt32:
		n = parquet.Int(32)
	case kindInt64:
		n = parquet.Int(64)
	case kindUInt8:
		n = parquet.Uint(8)
	case kindUInt16:
		n = parquet.Uint(16)
	case kindUInt32:
		n = parquet.Uint(32)
	case kindUInt64:
		n = parquet.Uint(64)
	case kindFloat32:
		n = parquet.Leaf(parquet.FloatType)
	case kindFloat64:
		n = parquet.Leaf(parquet.DoubleType)
	case kindDecimal:
		phys := parquet.Int64Type
		if c.precision <= 9 {
			phys = parquet.Int32Type
		}
		n = parquet.Decimal(c.scale, c.precision, phys)
	case kindDate:
		n = parquet.Date()
	case kindDateTime:
		n = parquet.Timestamp(parquet.Microsecond)
	case kindArrayString:
		n = parquet.List(parquet.Encoded(parquet.String(), &parquet.RLEDictionary))
	}
	if c.nullable {
		n = parquet.Optional(n)
	}
	return n
}

// isIdentifier reports whether a String column holds identifiers (member_id,
// *_id): nearly unique values that dictionary encoding would only bloat.
func isIdentifier(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id")
}

// orderedGroup is a parquet.Group whose fields keep the order given rather
// than parquet-go's alphabetical order, so files list columns as the
// source's SELECT does.
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g *orderedGroup) Fields() []parquet.Field { return g.fields }
func (g *orderedGroup) String() string          { return fmt.Sprint(g.fields) }
func (g *orderedGroup) GoType() reflect.Type    { return g.Group.GoType() }

type orderedField struct {
	parquet.Node
	name string
}

func (f *orderedField) Name() string { return f.name }
func (f *orderedField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

// parquetWriter writes batches column by column: each column's values go
// straight to its parquet-go ColumnWriter (no rows are assembled), and the
// writer ends a row group itself every RowGroupRows rows.
type parquetWriter struct {
	w      *parquet.Writer
	cw     []*parquet.ColumnWriter
	cols   []Column
	rg     int64             // most rows per row group
	inRG   int64             // rows in the current row group
	values [][]parquet.Value // one buffer per worker
}

func newParquetWriter(out io.Writer, table string, cols []Column, o ParquetOptions) (*parquetWriter, error) {
	var codec compress.Codec
	switch o.Compression {
	case "", CompressionZstd:
		codec = &zstd.Codec{Level: zstd.SpeedFastest}
	case CompressionSnappy:
		codec = &snappy.Codec{}
	default:
		return nil, fmt.Errorf("parquet compression %q: want zstd or snappy", o.Compression)
	}
	rg := o.RowGroupRows
	if rg <= 0 {
		rg = DefaultRowGroupRows
	}
	schema := parquetSchema(table, cols)
	w := parquet.NewWriter(out, schema,
		parquet.Compression(codec),
		parquet.MaxRowsPerRowGroup(rg),
		// A fixed creator string: the file bytes must not depend on the
		// library's build information.
		parquet.CreatedBy("memberlytics exporters", "1", ""),
	)
	cw := w.ColumnWriters()
	if len(cw) != len(cols) {
		return nil, fmt.Errorf("parquet schema has %d leaf columns, want %d", len(cw), len(cols))
	}
	return &parquetWriter{w: w, cw: cw, cols: cols, rg: rg}, nil
}

// parquetChunkRows is how many rows of one column are converted to
// parquet.Values at a time, bounding that buffer (rows x 24 bytes, more
// for arrays).
const parquetChunkRows = 8192

func (p *parquetWriter) write(b *batch) error {
	for lo := 0; lo < b.n; {
		hi := min(lo+parquetChunkRows, b.n, lo+int(p.rg-p.inRG))
		if err := p.writeColumns(b, lo, hi); err != nil {
			return err
		}
		p.inRG += int64(hi - lo)
		lo = hi
		if p.inRG == p.rg {
			if err := p.w.Flush(); err != nil {
				return fmt.Errorf("write parquet row group: %w", err)
			}
			p.inRG = 0
		}
	}
	return nil
}

// parquetWorkers is how many goroutines encode (and compress) the columns
// of a chunk at once. parquet-go's ColumnWriters are independent and buffer
// their pages until the row group is flushed, so the file bytes do not
// depend on which goroutine wrote which column.
const parquetWorkers = 2

// writeColumns writes rows [lo, hi) of every column, the columns shared
// out between parquetWorkers goroutines.
func (p *parquetWriter) writeColumns(b *batch, lo, hi int) error {
	if p.values == nil {
		p.values = make([][]parquet.Value, parquetWorkers)
	}
	var next atomic.Int32
	errs := make([]error, len(p.cols))
	var wg sync.WaitGroup
	for wi := range parquetWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := p.values[wi]
			for {
				ci := int(next.Add(1)) - 1
				if ci >= len(p.cols) {
					break
				}
				buf = appendParquetColumn(buf[:0], &p.cols[ci], &b.vecs[ci], lo, hi, ci)
				n, err := p.cw[ci].WriteRowValues(buf)
				if err == nil && n != hi-lo {
					err = fmt.Errorf("wrote %d rows, want %d", n, hi-lo)
				}
				if err != nil {
					errs[ci] = fmt.Errorf("write parquet column %s: %w", p.cols[ci].Name, err)
				}
			}
			clear(buf) // drop references to the batch's strings
			p.values[wi] = buf
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// bytesOf returns s's bytes without copying. The writer copies values into
// its pages and never modifies them, and s outlives the WriteRowValues call.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// appendParquetColumn appends the values of rows [lo, hi) of one column,
// with their repetition and definition levels, to dst.
func appendParquetColumn(dst []parquet.Value, c *Column, v *vector, lo, hi, ci int) []parquet.Value {
	def := 0
	if c.nullable {
		def = 1
	}
	var conv func(r int) parquet.Value
	switch c.kind {
	case kindString:
		conv = func(r int) parquet.Value { return parquet.ByteArrayValue(bytesOf(v.str[r])) }
	case kindInt8, kindInt16, kindInt32, kindDate:
		conv = func(r int) parquet.Value { return parquet.Int32Value(int32(v.i64[r])) }
	case kindInt64, kindDateTime:
		conv = func(r int) parquet.Value { return parquet.Int64Value(v.i64[r]) }
	case kindUInt8, kindUInt16, kindUInt32:
		conv = func(r int) parquet.Value { return parquet.Int32Value(int32(uint32(v.u64[r]))) }
	case kindUInt64:
		conv = func(r int) parquet.Value { return parquet.Int64Value(int64(v.u64[r])) }
	case kindFloat32:
		conv = func(r int) parquet.Value { return parquet.FloatValue(float32(v.f64[r])) }
	case kindFloat64:
		conv = func(r int) parquet.Value { return parquet.DoubleValue(v.f64[r]) }
	case kindDecimal:
		if c.precision <= 9 {
			conv = func(r int) parquet.Value { return parquet.Int32Value(int32(v.i64[r])) }
		} else {
			conv = func(r int) parquet.Value { return parquet.Int64Value(v.i64[r]) }
		}
	case kindArrayString:
		for r := lo; r < hi; r++ {
			a := v.arr[r]
			if len(a) == 0 {
				dst = append(dst, parquet.NullValue().Level(0, def, ci))
				continue
			}
			for j, s := range a {
				rep := 0
				if j > 0 {
					rep = 1
				}
				dst = append(dst, parquet.ByteArrayValue(bytesOf(s)).Level(rep, def+1, ci))
			}
		}
		return dst
	}
	if !c.nullable {
		// A required column's values need no levels: 0 and 0 are the
		// zero value's.
		for r := lo; r < hi; r++ {
			dst = append(dst, conv(r))
		}
		return dst
	}
	for r := lo; r < hi; r++ {
		if v.nulls[r] {
			dst = append(dst, parquet.NullValue().Level(0, 0, ci))
			continue
		}
		dst = append(dst, conv(r).Level(0, def, ci))
	}
	return dst
}

func (p *parquetWriter) close() error {
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("close parquet writer: %w", err)
	}
	return nil
}
