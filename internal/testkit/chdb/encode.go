package chdb

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"time"

	"github.com/shopspring/decimal"
)

// appendValue appends v encoded as RowBinary for type t. It accepts what
// clickhouse-go's row-wise Append accepts for the types memberlytics uses,
// checking integer ranges where clickhouse-go would wrap.
func appendValue(buf []byte, t *chType, v any) ([]byte, error) {
	if t.kind == kNullable {
		if isNull(v) {
			return append(buf, 1), nil
		}
		return appendValue(append(buf, 0), t.elem, v)
	}
	if isNull(v) {
		return buf, errNull
	}
	if p := reflect.ValueOf(v); p.Kind() == reflect.Pointer {
		v = p.Elem().Interface()
	}
	if valuer, ok := v.(driver.Valuer); ok && !isNative(v) {
		dv, err := valuer.Value()
		if err != nil {
			return buf, err
		}
		if dv == nil {
			return buf, errNull
		}
		return appendValue(buf, t, dv)
	}
	switch t.kind {
	case kString, kFixedString:
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			return buf, cannot(v, t)
		}
		if t.kind == kString {
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			return append(buf, s...), nil
		}
		if len(s) > t.size {
			return buf, fmt.Errorf("%d bytes do not fit %s", len(s), t.name)
		}
		buf = append(buf, s...)
		for range t.size - len(s) {
			buf = append(buf, 0)
		}
		return buf, nil
	case kUInt8, kUInt16, kUInt32, kUInt64:
		u, err := toUint(v, t)
		if err != nil {
			return buf, err
		}
		return appendUint(buf, u, t.kind), nil
	case kInt8, kInt16, kInt32, kInt64:
		i, err := toInt(v, t)
		if err != nil {
			return buf, err
		}
		return appendUint(buf, uint64(i), t.kind), nil
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return buf, cannot(v, t)
		}
		if b {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case kFloat32, kFloat64:
		rv := reflect.ValueOf(v)
		var f float64
		switch {
		case rv.CanFloat():
			f = rv.Float()
		case rv.CanInt():
			f = float64(rv.Int())
		case rv.CanUint():
			f = float64(rv.Uint())
		default:
			return buf, cannot(v, t)
		}
		if t.kind == kFloat32 {
			return binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(f))), nil
		}
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(f)), nil
	case kDecimal:
		var d decimal.Decimal
		switch v := v.(type) {
		case decimal.Decimal:
			d = v
		case string:
			var err error
			if d, err = decimal.NewFromString(v); err != nil {
				return buf, err
			}
		default:
			return buf, cannot(v, t)
		}
		return appendDecimal(buf, d, t)
	case kDate, kDate32, kDateTime, kDateTime64:
		tm, err := toTime(v, t)
		if err != nil {
			return buf, err
		}
		return appendTime(buf, tm, t)
	case kEnum8, kEnum16:
		var n int64
		switch v := v.(type) {
		case string:
			e, ok := t.enumR[v]
			if !ok {
				return buf, fmt.Errorf("%q is not an element of %s", v, t.name)
			}
			n = int64(e)
		default:
			rv := reflect.ValueOf(v)
			if !rv.CanInt() {
				return buf, cannot(v, t)
			}
			n = rv.Int()
			if _, ok := t.enum[int16(n)]; !ok || n != int64(int16(n)) {
				return buf, fmt.Errorf("%d is not an element of %s", n, t.name)
			}
		}
		if t.kind == kEnum8 {
			return append(buf, byte(n)), nil
		}
		return binary.LittleEndian.AppendUint16(buf, uint16(n)), nil
	case kUInt128, kUInt256, kInt128, kInt256:
		var x *big.Int
		switch v := v.(type) {
		case big.Int:
			x = &v
		default:
			rv := reflect.ValueOf(v)
			switch {
			case rv.CanInt():
				x = big.NewInt(rv.Int())
			case rv.CanUint():
				x = new(big.Int).SetUint64(rv.Uint())
			default:
				return buf, cannot(v, t)
			}
		}
		w, signed := t.bigIntWidth()
		dst := make([]byte, w)
		if err := bigToLE(dst, x, signed); err != nil {
			return buf, err
		}
		return append(buf, dst...), nil
	case kArray:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return buf, cannot(v, t)
		}
		buf = binary.AppendUvarint(buf, uint64(rv.Len()))
		for i := 0; i < rv.Len(); i++ {
			var err error
			if buf, err = appendValue(buf, t.elem, rv.Index(i).Interface()); err != nil {
				return buf, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return buf, nil
	}
	return buf, fmt.Errorf("inserting %s is not supported", t.name)
}

// isNative reports values that implement driver.Valuer but that
// appendValue encodes itself.
func isNative(v any) bool {
	switch v.(type) {
	case decimal.Decimal, time.Time:
		return true
	}
	return false
}

func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func cannot(v any, t *chType) error {
	return fmt.Errorf("cannot insert %T into %s, use %s", v, t.name, t.goType())
}

var uintMax = map[kind]uint64{kUInt8: math.MaxUint8, kUInt16: math.MaxUint16, kUInt32: math.MaxUint32, kUInt64: math.MaxUint64}

func toUint(v any, t *chType) (uint64, error) {
	rv := reflect.ValueOf(v)
	var u uint64
	switch {
	case rv.CanUint():
		u = rv.Uint()
	case rv.CanInt():
		if rv.Int() < 0 {
			return 0, fmt.Errorf("%d is out of range for %s", rv.Int(), t.name)
		}
		u = uint64(rv.Int())
	default:
		return 0, cannot(v, t)
	}
	if u > uintMax[t.kind] {
		return 0, fmt.Errorf("%d is out of range for %s", u, t.name)
	}
	return u, nil
}

var intBits = map[kind]uint{kInt8: 8, kInt16: 16, kInt32: 32, kInt64: 64}

func toInt(v any, t *chType) (int64, error) {
	rv := reflect.ValueOf(v)
	var i int64
	switch {
	case rv.CanInt():
		i = rv.Int()
	case rv.CanUint():
		if rv.Uint() > math.MaxInt64 {
			return 0, fmt.Errorf("%d is out of range for %s", rv.Uint(), t.name)
		}
		i = int64(rv.Uint())
	default:
		return 0, cannot(v, t)
	}
	bits := intBits[t.kind]
	if bits < 64 && (i < -(1<<(bits-1)) || i >= 1<<(bits-1)) {
		return 0, fmt.Errorf("%d is out of range for %s", i, t.name)
	}
	return i, nil
}

func appendUint(buf []byte, u uint64, k kind) []byte {
	switch k {
	case kUInt8, kInt8:
		return append(buf, byte(u))
	case kUInt16, kInt16:
		return binary.LittleEndian.AppendUint16(buf, uint16(u))
	case kUInt32, kInt32:
		return binary.LittleEndian.AppendUint32(buf, uint32(u))
	}
	return binary.LittleEndian.AppendUint64(buf, u)
}

// appendDecimal writes d scaled to t's scale, digits beyond the scale
// truncated as clickhouse-go does.
func appendDecimal(buf []byte, d decimal.Decimal, t *chType) ([]byte, error) {
	scaled := decimal.NewFromBigInt(d.Coefficient(), d.Exponent()+int32(t.scale))
	if t.size <= 8 && scaled.Exponent() >= 0 {
		// Fast path: an integer coefficient that fits int64.
		if c := d.Coefficient(); c.IsInt64() {
			n, exp := c.Int64(), int(scaled.Exponent())
			if exp < len(pow10) && (n*pow10[exp])/pow10[exp] == n {
				n *= pow10[exp]
				if t.size == 4 {
					if n < math.MinInt32 || n > math.MaxInt32 {
						return buf, fmt.Errorf("%s overflows %s", d, t.name)
					}
					return binary.LittleEndian.AppendUint32(buf, uint32(int32(n))), nil
				}
				return binary.LittleEndian.AppendUint64(buf, uint64(n)), nil
			}
		}
	}
	dst := make([]byte, t.size)
	if err := bigToLE(dst, scaled.BigInt(), true); err != nil {
		return buf, fmt.Errorf("%s overflows %s: %w", d, t.name, err)
	}
	return append(buf, dst...), nil
}

func toTime(v any, t *chType) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		layouts := []string{time.DateTime, "2006-01-02 15:04:05.999999999", time.DateOnly, time.RFC3339Nano}
		for _, l := range layouts {
			if tm, err := time.ParseInLocation(l, v, time.UTC); err == nil {
				return tm, nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot parse %q as %s", v, t.name)
	}
	return time.Time{}, cannot(v, t)
}

// appendTime writes tm for a Date (its calendar date where it is, as
// clickhouse-go does) or a DateTime (its instant).
func appendTime(buf []byte, tm time.Time, t *chType) ([]byte, error) {
	switch t.kind {
	case kDate, kDate32:
		days := time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
		if t.kind == kDate {
			if days < 0 || days > math.MaxUint16 {
				return buf, fmt.Errorf("%s is out of range for Date", tm.Format(time.DateOnly))
			}
			return binary.LittleEndian.AppendUint16(buf, uint16(days)), nil
		}
		return binary.LittleEndian.AppendUint32(buf, uint32(int32(days))), nil
	case kDateTime:
		s := tm.Unix()
		if s < 0 || s > math.MaxUint32 {
			return buf, fmt.Errorf("%s is out of range for DateTime", tm.UTC().Format(time.DateTime))
		}
		return binary.LittleEndian.AppendUint32(buf, uint32(s)), nil
	}
	ticks := tm.Unix()*pow10[t.scale] + int64(tm.Nanosecond())/pow10[9-t.scale]
	return binary.LittleEndian.AppendUint64(buf, uint64(ticks)), nil
}

// appendFast encodes the common column-wise slices without reflection,
// reporting whether it handled v.
func (col *batchColumn) appendFast(v any) bool {
	t := col.t
	switch s := v.(type) {
	case []string:
		if t.kind != kString {
			return false
		}
		for _, x := range s {
			col.data = binary.AppendUvarint(col.data, uint64(len(x)))
			col.data = append(col.data, x...)
			col.ends = append(col.ends, len(col.data))
		}
	case []uint64:
		return appendInts(col, s, kUInt64)
	case []uint32:
		return appendInts(col, s, kUInt32)
	case []uint16:
		return appendInts(col, s, kUInt16)
	case []uint8:
		return appendInts(col, s, kUInt8)
	case []int64:
		return appendInts(col, s, kInt64)
	case []int32:
		return appendInts(col, s, kInt32)
	case []int16:
		return appendInts(col, s, kInt16)
	case []int8:
		return appendInts(col, s, kInt8)
	case []float64:
		if t.kind != kFloat64 {
			return false
		}
		for _, x := range s {
			col.data = binary.LittleEndian.AppendUint64(col.data, math.Float64bits(x))
			col.ends = append(col.ends, len(col.data))
		}
	case []time.Time:
		if t.kind != kDateTime {
			return false // Date and DateTime64 take the general path
		}
		for _, x := range s {
			u := x.Unix()
			if u < 0 || u > math.MaxUint32 {
				return false // let the general path report it
			}
		}
		for _, x := range s {
			col.data = binary.LittleEndian.AppendUint32(col.data, uint32(x.Unix()))
			col.ends = append(col.ends, len(col.data))
		}
	default:
		return false
	}
	return true
}

func appendInts[T uint8 | uint16 | uint32 | uint64 | int8 | int16 | int32 | int64](col *batchColumn, s []T, k kind) bool {
	if col.t.kind != k {
		return false
	}
	for _, x := range s {
		col.data = appendUint(col.data, uint64(x), k)
		col.ends = append(col.ends, len(col.data))
	}
	return true
}
