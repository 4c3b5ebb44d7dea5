package chdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"time"

	"github.com/shopspring/decimal"
)

// errShort reports RowBinary data that ends in the middle of a value.
var errShort = errors.New("rowbinary data ends early")

// reader decodes RowBinary data.
type reader struct {
	buf []byte
	pos int
}

func (r *reader) done() bool { return r.pos >= len(r.buf) }

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || len(r.buf)-r.pos < n {
		return nil, errShort
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *reader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		return 0, errShort
	}
	r.pos += n
	return v, nil
}

func (r *reader) str() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", err
	}
	if n > uint64(len(r.buf)-r.pos) {
		return "", errShort
	}
	b, err := r.take(int(n))
	return string(b), err
}

// header reads the column names and types that
// RowBinaryWithNamesAndTypes starts with.
func (r *reader) header() (names []string, types []*chType, err error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	if n > uint64(len(r.buf)) {
		return nil, nil, fmt.Errorf("read header: %d columns: %w", n, errShort)
	}
	names = make([]string, n)
	types = make([]*chType, n)
	for i := range names {
		if names[i], err = r.str(); err != nil {
			return nil, nil, fmt.Errorf("read header: %w", err)
		}
	}
	for i := range types {
		s, err := r.str()
		if err != nil {
			return nil, nil, fmt.Errorf("read header: %w", err)
		}
		if types[i], err = parseType(s); err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", names[i], err)
		}
	}
	return names, types, nil
}

// value decodes one value of type t: nil for NULL, otherwise a value of
// t.goType() (a Nullable value is its element's value, not a pointer).
func (r *reader) value(t *chType) (any, error) {
	fixed := func(n int) ([]byte, error) { return r.take(n) }
	switch t.kind {
	case kString:
		return r.str()
	case kFixedString:
		b, err := fixed(t.size)
		return string(b), err
	case kUInt8, kBool, kInt8, kEnum8:
		b, err := fixed(1)
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case kUInt8:
			return b[0], nil
		case kBool:
			return b[0] != 0, nil
		case kInt8:
			return int8(b[0]), nil
		}
		return t.enumName(int16(int8(b[0])))
	case kUInt16, kInt16, kEnum16, kDate:
		b, err := fixed(2)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint16(b)
		switch t.kind {
		case kUInt16:
			return v, nil
		case kInt16:
			return int16(v), nil
		case kDate:
			return time.Unix(int64(v)*86400, 0).UTC(), nil
		}
		return t.enumName(int16(v))
	case kUInt32, kInt32, kFloat32, kDateTime, kDate32:
		b, err := fixed(4)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint32(b)
		switch t.kind {
		case kUInt32:
			return v, nil
		case kInt32:
			return int32(v), nil
		case kFloat32:
			return math.Float32frombits(v), nil
		case kDate32:
			return time.Unix(int64(int32(v))*86400, 0).UTC(), nil
		}
		return time.Unix(int64(v), 0).In(t.loc), nil
	case kUInt64, kInt64, kFloat64, kDateTime64:
		b, err := fixed(8)
		if err != nil {
			return nil, err
		}
		v := binary.LittleEndian.Uint64(b)
		switch t.kind {
		case kUInt64:
			return v, nil
		case kInt64:
			return int64(v), nil
		case kFloat64:
			return math.Float64frombits(v), nil
		}
		return ticksToTime(int64(v), t.scale).In(t.loc), nil
	case kUInt128, kInt128, kUInt256, kInt256:
		w, signed := t.bigIntWidth()
		b, err := fixed(w)
		if err != nil {
			return nil, err
		}
		return leToBig(b, signed), nil
	case kDecimal:
		b, err := fixed(t.size)
		if err != nil {
			return nil, err
		}
		switch t.size {
		case 4:
			return decimal.New(int64(int32(binary.LittleEndian.Uint32(b))), -int32(t.scale)), nil
		case 8:
			return decimal.New(int64(binary.LittleEndian.Uint64(b)), -int32(t.scale)), nil
		}
		return decimal.NewFromBigInt(leToBig(b, true), -int32(t.scale)), nil
	case kNothing:
		return nil, nil
	case kNullable:
		b, err := fixed(1)
		if err != nil {
			return nil, err
		}
		if b[0] != 0 {
			return nil, nil
		}
		return r.value(t.elem)
	case kArray:
		n, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if n > uint64(len(r.buf)-r.pos)+1 && t.elem.kind != kNothing {
			return nil, errShort
		}
		s := reflect.MakeSlice(t.goType(), int(n), int(n))
		for i := 0; i < int(n); i++ {
			v, err := r.value(t.elem)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue // NULL element: the slice holds a nil pointer
			}
			rv := reflect.ValueOf(v)
			if t.elem.kind == kNullable {
				p := reflect.New(rv.Type())
				p.Elem().Set(rv)
				rv = p
			}
			s.Index(i).Set(rv)
		}
		return s.Interface(), nil
	}
	return nil, fmt.Errorf("unsupported type %s", t.name)
}

func (t *chType) enumName(v int16) (any, error) {
	name, ok := t.enum[v]
	if !ok {
		return nil, fmt.Errorf("%s has no element %d", t.name, v)
	}
	return name, nil
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// ticksToTime converts a DateTime64 value, ticks of 10^-scale seconds.
func ticksToTime(ticks int64, scale int) time.Time {
	if scale < 0 || scale > 9 {
		return time.Unix(0, 0).UTC()
	}
	unit := pow10[scale]
	sec, frac := ticks/unit, ticks%unit
	if frac < 0 {
		sec--
		frac += unit
	}
	return time.Unix(sec, frac*pow10[9-scale]).UTC()
}

// leToBig reads a little-endian two's complement integer.
func leToBig(b []byte, signed bool) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if signed && len(b) > 0 && b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// bigToLE writes v as a little-endian two's complement integer of len(dst)
// bytes, failing when it does not fit.
func bigToLE(dst []byte, v *big.Int, signed bool) error {
	bits := 8 * len(dst)
	lim := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	x := new(big.Int).Set(v)
	if signed {
		half := new(big.Int).Rsh(lim, 1)
		if x.Cmp(half) >= 0 || x.Cmp(new(big.Int).Neg(half)) < 0 {
			return fmt.Errorf("%s overflows %d-bit signed integer", v, bits)
		}
	} else if x.Sign() < 0 || x.Cmp(lim) >= 0 {
		return fmt.Errorf("%s overflows %d-bit unsigned integer", v, bits)
	}
	if x.Sign() < 0 {
		x.Add(x, lim)
	}
	be := x.Bytes()
	clear(dst)
	for i := range be {
		dst[i] = be[len(be)-1-i]
	}
	return nil
}
