package exporters

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is the ClickHouse base type of a column, after Nullable is taken off.
type kind int

const (
	kindString kind = iota
	kindInt8
	kindInt16
	kindInt32
	kindInt64
	kindUInt8
	kindUInt16
	kindUInt32
	kindUInt64
	kindFloat32
	kindFloat64
	kindDecimal
	kindDate
	kindDateTime
	kindArrayString
)

// Column is one exported column: its name and ClickHouse type as the server
// reports them (e.g. "Nullable(Decimal(18, 2))"), in the order of the
// source's SELECT, which is the order in every file.
type Column struct {
	Name string `json:"name"`
	// Type is the ClickHouse type.
	Type string `json:"type"`

	kind      kind
	nullable  bool
	precision int // Decimal only
	scale     int // Decimal only
}

// maxDecimalPrecision is the widest Decimal exported: unscaled values must
// fit an int64 (Decimal32 and Decimal64).
const maxDecimalPrecision = 18

// parseColumn resolves a ClickHouse type name into a Column.
func parseColumn(name, chType string) (Column, error) {
	c := Column{Name: name, Type: chType}
	t := strings.TrimSpace(chType)
	if inner, ok := unwrap(t, "Nullable"); ok {
		c.nullable = true
		t = inner
	}
	switch {
	case t == "String":
		c.kind = kindString
	case t == "Int8":
		c.kind = kindInt8
	case t == "Int16":
		c.kind = kindInt16
	case t == "Int32":
		c.kind = kindInt32
	case t == "Int64":
		c.kind = kindInt64
	case t == "UInt8":
		c.kind = kindUInt8
	case t == "UInt16":
		c.kind = kindUInt16
	case t == "UInt32":
		c.kind = kindUInt32
	case t == "UInt64":
		c.kind = kindUInt64
	case t == "Float32":
		c.kind = kindFloat32
	case t == "Float64":
		c.kind = kindFloat64
	case t == "Date":
		c.kind = kindDate
	case t == "DateTime" || strings.HasPrefix(t, "DateTime("):
		c.kind = kindDateTime
	case t == "Array(String)" && !c.nullable:
		c.kind = kindArrayString
	case strings.HasPrefix(t, "Decimal("):
		args, _ := unwrap(t, "Decimal")
		p, s, ok := strings.Cut(args, ",")
		if !ok {
			return Column{}, fmt.Errorf("column %s: type %s: %w", name, chType, ErrUnsupportedType)
		}
		var err1, err2 error
		c.precision, err1 = strconv.Atoi(strings.TrimSpace(p))
		c.scale, err2 = strconv.Atoi(strings.TrimSpace(s))
		if err1 != nil || err2 != nil || c.precision < 1 || c.precision > maxDecimalPrecision || c.scale < 0 || c.scale > c.precision {
			return Column{}, fmt.Errorf("column %s: type %s (precision 1-%d only): %w", name, chType, maxDecimalPrecision, ErrUnsupportedType)
		}
		c.kind = kindDecimal
	default:
		return Column{}, fmt.Errorf("column %s: type %s: %w", name, chType, ErrUnsupportedType)
	}
	return c, nil
}

// unwrap returns X from "Name(X)".
func unwrap(t, name string) (string, bool) {
	if strings.HasPrefix(t, name+"(") && strings.HasSuffix(t, ")") {
		return t[len(name)+1 : len(t)-1], true
	}
	return "", false
}
