package exporters

import (
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// arrowType maps a column to its Arrow type:
//
//	String          utf8
//	Int8..Int64     int8..int64
//	UInt8..UInt64   uint8..uint64
//	Float32/64      float32, float64
//	Decimal(P,S)    decimal128(P,S)
//	Date            date32
//	DateTime        timestamp[us, tz=UTC]
//	Array(String)   list<item: utf8>
//
// Nullable columns are nullable fields; the others are not.
func arrowType(c Column) arrow.DataType {
	switch c.kind {
	case kindString:
		return arrow.BinaryTypes.String
	case kindInt8:
		return arrow.PrimitiveTypes.Int8
	case kindInt16:
		return arrow.PrimitiveTypes.Int16
	case kindInt32:
		return arrow.PrimitiveTypes.Int32
	case kindInt64:
		return arrow.PrimitiveTypes.Int64
	case kindUInt8:
		return arrow.PrimitiveTypes.Uint8
	case kindUInt16:
		return arrow.PrimitiveTypes.Uint16
	case kindUInt32:
		return arrow.PrimitiveTypes.Uint32
	case kindUInt64:
		return arrow.PrimitiveTypes.Uint64
	case kindFloat32:
		return arrow.PrimitiveTypes.Float32
	case kindFloat64:
		return arrow.PrimitiveTypes.Float64
	case kindDecimal:
		return &arrow.Decimal128Type{Precision: int32(c.precision), Scale: int32(c.scale)}
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindDateTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kindArrayString:
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return nil
}

func arrowSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c), Nullable: c.nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// arrowWriter writes each batch as one record batch of an Arrow IPC file
// (uncompressed, so readers can memory-map it).
type arrowWriter struct {
	w    *ipc.FileWriter
	b    *array.RecordBuilder
	cols []Column
}

func newArrowWriter(out io.WriteSeeker, cols []Column) (*arrowWriter, error) {
	schema := arrowSchema(cols)
	mem := memory.NewGoAllocator()
	w, err := ipc.NewFileWriter(out, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("start arrow ipc file: %w", err)
	}
	return &arrowWriter{w: w, b: array.NewRecordBuilder(mem, schema), cols: cols}, nil
}

func (a *arrowWriter) write(b *batch) error {
	for ci := range a.cols {
		appendArrow(a.b.Field(ci), &a.cols[ci], &b.vecs[ci], b.n)
	}
	rec := a.b.NewRecord()
	defer rec.Release()
	if err := a.w.Write(rec); err != nil {
		return fmt.Errorf("write arrow record batch: %w", err)
	}
	return nil
}

func appendArrow(fb array.Builder, c *Column, v *vector, n int) {
	switch c.kind {
	case kindString:
		appendEach(fb.(*array.StringBuilder), v, n, func(r int) string { return v.str[r] })
	case kindInt8:
		appendEach(fb.(*array.Int8Builder), v, n, func(r int) int8 { return int8(v.i64[r]) })
	case kindInt16:
		appendEach(fb.(*array.Int16Builder), v, n, func(r int) int16 { return int16(v.i64[r]) })
	case kindInt32:
		appendEach(fb.(*array.Int32Builder), v, n, func(r int) int32 { return int32(v.i64[r]) })
	case kindInt64:
		appendEach(fb.(*array.Int64Builder), v, n, func(r int) int64 { return v.i64[r] })
	case kindUInt8:
		appendEach(fb.(*array.Uint8Builder), v, n, func(r int) uint8 { return uint8(v.u64[r]) })
	case kindUInt16:
		appendEach(fb.(*array.Uint16Builder), v, n, func(r int) uint16 { return uint16(v.u64[r]) })
	case kindUInt32:
		appendEach(fb.(*array.Uint32Builder), v, n, func(r int) uint32 { return uint32(v.u64[r]) })
	case kindUInt64:
		appendEach(fb.(*array.Uint64Builder), v, n, func(r int) uint64 { return v.u64[r] })
	case kindFloat32:
		appendEach(fb.(*array.Float32Builder), v, n, func(r int) float32 { return float32(v.f64[r]) })
	case kindFloat64:
		appendEach(fb.(*array.Float64Builder), v, n, func(r int) float64 { return v.f64[r] })
	case kindDecimal:
		appendEach(fb.(*array.Decimal128Builder), v, n, func(r int) decimal128.Num { return decimal128.FromI64(v.i64[r]) })
	case kindDate:
		appendEach(fb.(*array.Date32Builder), v, n, func(r int) arrow.Date32 { return arrow.Date32(v.i64[r]) })
	case kindDateTime:
		appendEach(fb.(*array.TimestampBuilder), v, n, func(r int) arrow.Timestamp { return arrow.Timestamp(v.i64[r]) })
	case kindArrayString:
		b := fb.(*array.ListBuilder)
		vb := b.ValueBuilder().(*array.StringBuilder)
		for r := range n {
			b.Append(true)
			vb.AppendValues(v.arr[r], nil)
		}
	}
}

// appendEach appends n values (or nulls) to an Arrow builder.
func appendEach[B interface {
	Append(T)
	AppendNull()
}, T any](b B, v *vector, n int, get func(r int) T) {
	for r := range n {
		if v.isNull(r) {
			b.AppendNull()
			continue
		}
		b.Append(get(r))
	}
}

func (a *arrowWriter) close() error {
	a.b.Release()
	if err := a.w.Close(); err != nil {
		return fmt.Errorf("close arrow ipc file: %w", err)
	}
	return nil
}
