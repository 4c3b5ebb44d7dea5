package chdb

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// errMixedArgs mirrors clickhouse-go: one query binds either named or
// positional arguments.
var errMixedArgs = errors.New("bind: mix of named and positional arguments")

// bind renders args into query as SQL literals, the way clickhouse-go's
// client-side binding does: ? (or $1, $2...) take positional arguments,
// @name takes clickhouse.Named arguments. Placeholders inside string
// literals, quoted identifiers and comments are left alone, and \? outside
// them is a literal ?. Named arguments without a placeholder are ignored,
// as clickhouse-go ignores them: the model framework passes one set of
// named parameters (models.Window.Args) to every query of a model. Unlike
// clickhouse-go, a positional argument without a placeholder is an error
// rather than silently dropped.
func bind(query string, args []any) (string, error) {
	if len(args) == 0 {
		return query, nil
	}
	named := map[string]string{}
	var positional []string
	for _, a := range args {
		switch a := a.(type) {
		case chdriver.NamedValue:
			s, err := formatArg(a.Value, clickhouse.Seconds)
			if err != nil {
				return "", fmt.Errorf("bind @%s: %w", a.Name, err)
			}
			named[a.Name] = s
		case chdriver.NamedDateValue:
			s, err := formatArg(a.Value, clickhouse.TimeUnit(a.Scale))
			if err != nil {
				return "", fmt.Errorf("bind @%s: %w", a.Name, err)
			}
			named[a.Name] = s
		default:
			s, err := formatArg(a, clickhouse.Seconds)
			if err != nil {
				return "", fmt.Errorf("bind argument %d: %w", len(positional)+1, err)
			}
			positional = append(positional, s)
		}
	}
	if len(named) > 0 && len(positional) > 0 {
		return "", errMixedArgs
	}

	var (
		b       strings.Builder
		next    int                   // next ? argument
		usedNum = map[int]bool{}      // $N arguments used
		q       = scanner{src: query} // tracks quotes and comments
	)
	b.Grow(len(query) + 16*len(args))
	for q.i < len(query) {
		c := query[q.i]
		if q.protected() {
			start := q.i
			q.step()
			b.WriteString(query[start:q.i])
			continue
		}
		switch {
		case c == '\\' && q.i+1 < len(query) && query[q.i+1] == '?':
			b.WriteByte('?')
			q.i += 2
			continue
		case c == '?':
			if len(named) > 0 {
				return "", fmt.Errorf("bind: ? placeholder at offset %d with named arguments", q.i)
			}
			if next >= len(positional) {
				return "", fmt.Errorf("bind: only %d arguments for more ? placeholders", len(positional))
			}
			b.WriteString(positional[next])
			next++
			q.i++
			continue
		case c == '$' && q.i+1 < len(query) && isDigit(query[q.i+1]):
			j := q.i + 1
			for j < len(query) && isDigit(query[j]) {
				j++
			}
			n, _ := strconv.Atoi(query[q.i+1 : j])
			if n < 1 || n > len(positional) || len(named) > 0 {
				return "", fmt.Errorf("bind: no argument for %s", query[q.i:j])
			}
			b.WriteString(positional[n-1])
			usedNum[n] = true
			q.i = j
			continue
		case c == '@' && q.i+1 < len(query) && isNameChar(query[q.i+1]):
			j := q.i + 1
			for j < len(query) && isNameChar(query[j]) {
				j++
			}
			name := query[q.i+1 : j]
			v, ok := named[name]
			if !ok {
				return "", fmt.Errorf("bind: no argument for @%s", name)
			}
			b.WriteString(v)
			q.i = j
			continue
		}
		b.WriteByte(c)
		q.step()
	}
	switch {
	case len(usedNum) > 0 && next > 0:
		return "", errors.New("bind: mix of ? and $N placeholders")
	case len(usedNum) > 0 && len(usedNum) < len(positional):
		return "", fmt.Errorf("bind: %d arguments for %d $N placeholders", len(positional), len(usedNum))
	case len(usedNum) == 0 && next < len(positional):
		return "", fmt.Errorf("bind: %d arguments for %d ? placeholders", len(positional), next)
	}
	return b.String(), nil
}

// scanner walks a query, tracking whether the current byte is inside a
// string literal, a quoted identifier or a comment (block comments nest,
// as in ClickHouse).
type scanner struct {
	src   string
	i     int
	quote byte // ', " or ` while inside quotes
	line  bool // inside -- or # comment
	block int  // depth of /* */ comments
}

// protected reports whether the byte at i is inside quotes or a comment,
// or opens one.
func (s *scanner) protected() bool {
	if s.quote != 0 || s.line || s.block > 0 {
		return true
	}
	switch c := s.src[s.i]; c {
	case '\'', '"', '`', '#':
		return true
	case '-':
		return s.i+1 < len(s.src) && s.src[s.i+1] == '-'
	case '/':
		return s.i+1 < len(s.src) && s.src[s.i+1] == '*'
	}
	return false
}

// step consumes the byte at i, updating the state.
func (s *scanner) step() {
	src, i := s.src, s.i
	c := src[i]
	next := byte(0)
	if i+1 < len(src) {
		next = src[i+1]
	}
	switch {
	case s.quote != 0:
		switch {
		case c == '\\':
			s.i++ // the escaped byte stays inside the quotes
		case c == s.quote && next == s.quote:
			s.i++ // doubled quote
		case c == s.quote:
			s.quote = 0
		}
	case s.line:
		if c == '\n' {
			s.line = false
		}
	case s.block > 0:
		switch {
		case c == '/' && next == '*':
			s.block++
			s.i++
		case c == '*' && next == '/':
			s.block--
			s.i++
		}
	default:
		switch {
		case c == '\'' || c == '"' || c == '`':
			s.quote = c
		case c == '#', c == '-' && next == '-':
			s.line = true
		case c == '/' && next == '*':
			s.block++
			s.i++
		}
	}
	s.i++
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameChar(c byte) bool {
	return c == '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// quoteString renders s as a ClickHouse string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// formatArg renders one argument as a SQL literal. Top-level values that
// implement driver.Valuer are first replaced by their Value, as
// clickhouse-go does (a decimal.Decimal thus binds as the string '1.50',
// which ClickHouse converts where a Decimal is expected).
func formatArg(v any, scale clickhouse.TimeUnit) (string, error) {
	if _, isTime := v.(time.Time); !isTime {
		if valuer, ok := v.(driver.Valuer); ok {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				return "NULL", nil
			}
			dv, err := valuer.Value()
			if err != nil {
				return "", err
			}
			v = dv
		}
	}
	return formatValue(v, scale)
}

// formatValue renders v as a SQL literal, following clickhouse-go's
// client-side binding for the types memberlytics uses.
func formatValue(v any, scale clickhouse.TimeUnit) (string, error) {
	switch v := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return quoteString(v), nil
	case []byte:
		if v == nil {
			return "NULL", nil
		}
		return quoteString(string(v)), nil
	case time.Time:
		return formatTime(v, scale), nil
	case *time.Time:
		if v == nil {
			return "NULL", nil
		}
		return formatTime(*v, scale), nil
	case time.Duration:
		return "", errors.New("time.Duration is not supported; bind seconds as an integer")
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case float32:
		return formatFloat(float64(v), 32), nil
	case float64:
		return formatFloat(v, 64), nil
	case clickhouse.GroupSet:
		s, err := formatList(reflect.ValueOf(v.Value), scale)
		return "(" + s + ")", err
	case []clickhouse.GroupSet:
		return formatList(reflect.ValueOf(v), scale)
	case clickhouse.ArraySet:
		s, err := formatList(reflect.ValueOf([]any(v)), scale)
		return "[" + s + "]", err
	case fmt.Stringer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "NULL", nil
		}
		return quoteString(v.String()), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return quoteString(rv.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32:
		return formatFloat(rv.Float(), 32), nil
	case reflect.Float64:
		return formatFloat(rv.Float(), 64), nil
	case reflect.Bool:
		return formatValue(rv.Bool(), scale)
	case reflect.Slice, reflect.Array:
		s, err := formatList(rv, scale)
		return "[" + s + "]", err
	case reflect.Map:
		pairs := make([]string, 0, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			k, err := formatValue(iter.Key().Interface(), scale)
			if err != nil {
				return "", err
			}
			val, err := formatValue(iter.Value().Interface(), scale)
			if err != nil {
				return "", err
			}
			pairs = append(pairs, k+", "+val)
		}
		return "map(" + strings.Join(pairs, ", ") + ")", nil
	case reflect.Pointer:
		if rv.IsNil() {
			return "NULL", nil
		}
		return formatValue(rv.Elem().Interface(), scale)
	}
	return "", fmt.Errorf("unsupported argument type %T", v)
}

func formatList(rv reflect.Value, scale clickhouse.TimeUnit) (string, error) {
	items := make([]string, rv.Len())
	for i := range items {
		s, err := formatValue(rv.Index(i).Interface(), scale)
		if err != nil {
			return "", err
		}
		items[i] = s
	}
	return strings.Join(items, ", "), nil
}

// formatFloat casts to the float type, as clickhouse-go does, so 1.0 stays
// a float rather than becoming the integer literal 1.
func formatFloat(f float64, bits int) string {
	typ := "Float64"
	if bits == 32 {
		typ = "Float32"
	}
	switch {
	case math.IsNaN(f):
		return "cast('nan', '" + typ + "')"
	case math.IsInf(f, 1):
		return "cast('inf', '" + typ + "')"
	case math.IsInf(f, -1):
		return "cast('-inf', '" + typ + "')"
	}
	return "cast(" + strconv.FormatFloat(f, 'g', -1, bits) + ", '" + typ + "')"
}

// formatTime renders the instant t in UTC: toDateTime('...', 'UTC'), or
// toDateTime64 with 3, 6 or 9 digits for clickhouse.DateNamed values with a
// finer scale. Sub-second digits beyond the scale are dropped, as in
// clickhouse-go.
func formatTime(t time.Time, scale clickhouse.TimeUnit) string {
	t = t.UTC()
	if scale == clickhouse.Seconds {
		return "toDateTime('" + t.Format("2006-01-02 15:04:05") + "', 'UTC')"
	}
	digits := int(scale) * 3
	frac := fmt.Sprintf("%09d", t.Nanosecond())[:digits]
	return fmt.Sprintf("toDateTime64('%s.%s', %d, 'UTC')", t.Format("2006-01-02 15:04:05"), frac, digits)
}
