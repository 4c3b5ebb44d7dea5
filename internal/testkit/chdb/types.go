package chdb

import (
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// kind is a ClickHouse type this package can read and write.
type kind uint8

const (
	kString kind = iota + 1
	kFixedString
	kUInt8
	kUInt16
	kUInt32
	kUInt64
	kInt8
	kInt16
	kInt32
	kInt64
	kUInt128
	kUInt256
	kInt128
	kInt256
	kFloat32
	kFloat64
	kBool
	kDecimal
	kDate
	kDate32
	kDateTime
	kDateTime64
	kEnum8
	kEnum16
	kNothing
	kNullable
	kArray
)

// chType is a parsed ClickHouse column type.
type chType struct {
	name  string // as ClickHouse spells it
	kind  kind
	size  int            // FixedString length; Decimal width in bytes
	scale int            // Decimal scale; DateTime64 precision
	loc   *time.Location // DateTime, DateTime64; UTC unless the type names a zone
	enum  map[int16]string
	enumR map[string]int16
	elem  *chType // Nullable, Array
}

var simpleTypes = map[string]kind{
	"String": kString, "UInt8": kUInt8, "UInt16": kUInt16, "UInt32": kUInt32, "UInt64": kUInt64,
	"Int8": kInt8, "Int16": kInt16, "Int32": kInt32, "Int64": kInt64,
	"UInt128": kUInt128, "UInt256": kUInt256, "Int128": kInt128, "Int256": kInt256,
	"Float32": kFloat32, "Float64": kFloat64, "Bool": kBool,
	"Date": kDate, "Date32": kDate32, "DateTime": kDateTime, "Nothing": kNothing,
}

// parseType reads a type name as RowBinaryWithNamesAndTypes reports it.
func parseType(s string) (*chType, error) {
	s = strings.TrimSpace(s)
	t := &chType{name: s}
	if k, ok := simpleTypes[s]; ok {
		t.kind = k
		if k == kDateTime {
			t.loc = time.UTC
		}
		return t, nil
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("unsupported type %s", s)
	}
	head, inner := s[:open], s[open+1:len(s)-1]
	args := splitArgs(inner)
	var err error
	switch head {
	case "Nullable", "Array", "LowCardinality":
		elem, err := parseType(inner)
		if err != nil {
			return nil, err
		}
		switch head {
		case "LowCardinality": // RowBinary carries it as the plain type
			elem.name = s
			return elem, nil
		case "Nullable":
			t.kind = kNullable
		default:
			t.kind = kArray
		}
		t.elem = elem
	case "FixedString":
		t.kind = kFixedString
		t.size, err = strconv.Atoi(inner)
	case "Decimal":
		if len(args) != 2 {
			return nil, fmt.Errorf("unsupported type %s", s)
		}
		var p int
		if p, err = strconv.Atoi(args[0]); err == nil {
			t.scale, err = strconv.Atoi(args[1])
		}
		t.kind, t.size = kDecimal, decimalWidth(p)
	case "Decimal32", "Decimal64", "Decimal128", "Decimal256":
		t.kind = kDecimal
		t.size = map[string]int{"Decimal32": 4, "Decimal64": 8, "Decimal128": 16, "Decimal256": 32}[head]
		t.scale, err = strconv.Atoi(inner)
	case "DateTime":
		t.kind = kDateTime
		t.loc, err = location(unquote(inner))
	case "DateTime64":
		t.kind, t.loc = kDateTime64, time.UTC
		if t.scale, err = strconv.Atoi(args[0]); err == nil && len(args) > 1 {
			t.loc, err = location(unquote(args[1]))
		}
	case "Enum8", "Enum16":
		t.kind = kEnum8
		if head == "Enum16" {
			t.kind = kEnum16
		}
		err = t.parseEnum(args)
	default:
		return nil, fmt.Errorf("unsupported type %s", s)
	}
	if err != nil {
		return nil, fmt.Errorf("parse type %s: %w", s, err)
	}
	return t, nil
}

func decimalWidth(precision int) int {
	switch {
	case precision <= 9:
		return 4
	case precision <= 18:
		return 8
	case precision <= 38:
		return 16
	}
	return 32
}

// splitArgs splits a type's arguments at top-level commas, outside
// parentheses and quotes.
func splitArgs(s string) []string {
	var (
		out   []string
		depth int
		quote bool
		start int
	)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote && c == '\\':
			i++
		case c == '\'':
			quote = !quote
		case quote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// unquote reads a single-quoted ClickHouse string literal.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return s
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (t *chType) parseEnum(args []string) error {
	t.enum, t.enumR = map[int16]string{}, map[string]int16{}
	for _, a := range args {
		eq := strings.LastIndexByte(a, '=')
		if eq < 0 {
			return fmt.Errorf("enum element %q", a)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(a[eq+1:]), 10, 16)
		if err != nil {
			return err
		}
		name := unquote(a[:eq])
		t.enum[int16(n)], t.enumR[name] = name, int16(n)
	}
	return nil
}

var locations sync.Map // zone name -> *time.Location

func location(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

var (
	typeString  = reflect.TypeFor[string]()
	typeTime    = reflect.TypeFor[time.Time]()
	typeDecimal = reflect.TypeFor[decimal.Decimal]()
	typeBigInt  = reflect.TypeFor[*big.Int]()
	typeAny     = reflect.TypeFor[any]()
)

// goType is the Go type a value of t scans into, as with clickhouse-go:
// UInt64 is uint64, Decimal is decimal.Decimal, Date and DateTime are
// time.Time, Nullable(T) is *T, Array(T) is []T.
func (t *chType) goType() reflect.Type {
	switch t.kind {
	case kString, kFixedString, kEnum8, kEnum16:
		return typeString
	case kUInt8:
		return reflect.TypeFor[uint8]()
	case kUInt16:
		return reflect.TypeFor[uint16]()
	case kUInt32:
		return reflect.TypeFor[uint32]()
	case kUInt64:
		return reflect.TypeFor[uint64]()
	case kInt8:
		return reflect.TypeFor[int8]()
	case kInt16:
		return reflect.TypeFor[int16]()
	case kInt32:
		return reflect.TypeFor[int32]()
	case kInt64:
		return reflect.TypeFor[int64]()
	case kUInt128, kUInt256, kInt128, kInt256:
		return typeBigInt
	case kFloat32:
		return reflect.TypeFor[float32]()
	case kFloat64:
		return reflect.TypeFor[float64]()
	case kBool:
		return reflect.TypeFor[bool]()
	case kDecimal:
		return typeDecimal
	case kDate, kDate32, kDateTime, kDateTime64:
		return typeTime
	case kNullable:
		if t.elem.kind == kNothing {
			return typeAny
		}
		return reflect.PointerTo(t.elem.goType())
	case kArray:
		return reflect.SliceOf(t.elem.goType())
	}
	return typeAny
}

// bigIntWidth is the byte width of the wide integer kinds.
func (t *chType) bigIntWidth() (int, bool) {
	switch t.kind {
	case kUInt128:
		return 16, false
	case kInt128:
		return 16, true
	case kUInt256:
		return 32, false
	case kInt256:
		return 32, true
	}
	return 0, false
}
