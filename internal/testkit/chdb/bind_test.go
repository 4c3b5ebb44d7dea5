package chdb

import (
	"database/sql"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/shopspring/decimal"
)

func TestBind(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"no args", "SELECT '?' -- ?", nil, "SELECT '?' -- ?"},
		{"ints", "SELECT ?, ?, ?, ?", []any{int8(-1), uint64(math.MaxUint64), int64(math.MinInt64), 42},
			"SELECT -1, 18446744073709551615, -9223372036854775808, 42"},
		{"floats", "SELECT ?, ?, ?, ?, ?", []any{1.0, 0.1, math.Inf(1), math.NaN(), float32(1.5)},
			"SELECT cast(1, 'Float64'), cast(0.1, 'Float64'), cast('inf', 'Float64'), cast('nan', 'Float64'), cast(1.5, 'Float32')"},
		{"bool and nil", "SELECT ?, ?, ?", []any{true, false, nil}, "SELECT 1, 0, NULL"},
		{"string escapes", "SELECT ?", []any{"a'b\\c\td\ne\x00?"}, `SELECT 'a\'b\\c` + "\td\ne" + `\0?'`},
		{"placeholder in string, identifier, comment", "SELECT '?', `?`, \"?\", ? /* ? /* ? */ ? */ # ?\n-- ?\n",
			[]any{1}, "SELECT '?', `?`, \"?\", 1 /* ? /* ? */ ? */ # ?\n-- ?\n"},
		{"escaped quote in string", `SELECT 'it\'s ?', ?`, []any{2}, `SELECT 'it\'s ?', 2`},
		{"doubled quote in string", `SELECT 'it''s ?', ?`, []any{3}, `SELECT 'it''s ?', 3`},
		{"backslash question mark", `SELECT 1 \? 2 : ?`, []any{4}, `SELECT 1 ? 2 : 4`},
		{"numeric", "SELECT $2, $1, $2", []any{"a", "b"}, "SELECT 'b', 'a', 'b'"},
		{"named", "SELECT @a, @b_2, @a, '@a'", []any{clickhouse.Named("a", "x"), clickhouse.Named("b_2", 5)},
			"SELECT 'x', 5, 'x', '@a'"},
		{"unused named ignored, as clickhouse-go does", "SELECT @a", []any{clickhouse.Named("a", 1), clickhouse.Named("run_id", "r")},
			"SELECT 1"},
		{"time UTC", "SELECT ?", []any{at}, "SELECT toDateTime('2024-02-29 23:59:58', 'UTC')"},
		{"time other zone is the same instant", "SELECT ?", []any{time.Date(2024, 3, 1, 0, 59, 58, 0, berlin)},
			"SELECT toDateTime('2024-02-29 23:59:58', 'UTC')"},
		{"time pointer nil", "SELECT ?", []any{(*time.Time)(nil)}, "SELECT NULL"},
		{"date named millis", "SELECT @t", []any{clickhouse.DateNamed("t", at, clickhouse.MilliSeconds)},
			"SELECT toDateTime64('2024-02-29 23:59:58.123', 3, 'UTC')"},
		{"decimal", "SELECT ?, ?", []any{decimal.RequireFromString("12.30"), (*decimal.Decimal)(nil)}, "SELECT '12.3', NULL"},
		{"slices", "SELECT ?, ?, ?", []any{[]string{"a", "b'"}, []uint64{1, 2}, []int{}}, `SELECT ['a', 'b\''], [1, 2], []`},
		{"nested and null elements", "SELECT ?", []any{[]*int{ptr(1), nil}}, "SELECT [1, NULL]"},
		{"group set", "SELECT (1, 'a') IN ?", []any{[]clickhouse.GroupSet{{Value: []any{1, "a"}}, {Value: []any{2, "b"}}}},
			"SELECT (1, 'a') IN (1, 'a'), (2, 'b')"},
		{"valuer", "SELECT ?, ?", []any{sql.NullString{String: "v", Valid: true}, sql.NullInt64{}}, "SELECT 'v', NULL"},
		{"pointers", "SELECT ?, ?", []any{ptr("p"), (*string)(nil)}, "SELECT 'p', NULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bind(tt.query, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("bind(%q)\n got %q\nwant %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"too few", "SELECT ?, ?", []any{1}, "only 1 arguments for more ? placeholders"},
		{"too many", "SELECT ?", []any{1, 2}, "2 arguments for 1 ? placeholders"},
		{"none in string", "SELECT '?'", []any{1}, "1 arguments for 0 ? placeholders"},
		{"mixed args", "SELECT @a, ?", []any{clickhouse.Named("a", 1), 2}, "mix of named and positional"},
		{"missing named", "SELECT @a, @b", []any{clickhouse.Named("a", 1)}, "no argument for @b"},
		{"numeric out of range", "SELECT $3", []any{1, 2}, "no argument for $3"},
		{"duration", "SELECT ?", []any{time.Second}, "time.Duration is not supported"},
		{"struct", "SELECT ?", []any{struct{}{}}, "unsupported argument type struct {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bind(tt.query, tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestBindRoundTripIntegration sends awkward values through binding and
// reads them back unchanged, as literals and through a table.
func TestBindRoundTripIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	strs := []string{
		"", "plain", "two\n\nblank lines\n\n", "it's", `back\slash`, `\'`, "tab\there", "new\nline", "cr\rlf\r\n", "nul\x00byte",
		"question ? mark", "'?'", "@name", "$1", "-- not a comment", "/* nor this */", "ünïcødé ✓ 日本語 🎉",
		"`backtick`", `"double"`, `\\?`,
	}
	for _, s := range strs {
		var got string
		var eq uint8
		queryOne(t, c, "SELECT ?, ? = '"+strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`).Replace(s)+"'", []any{s, s}, &got, &eq)
		if got != s || eq != 1 {
			t.Errorf("SELECT ? with %q: got %q (equal %d)", s, got, eq)
		}
		var named string
		queryOne(t, c, "SELECT @s", []any{clickhouse.Named("s", s)}, &named)
		if named != s {
			t.Errorf("SELECT @s with %q: got %q", s, named)
		}
	}

	mustExec(t, c, `CREATE TABLE b (id UInt32, s String, f Float64, d Decimal(18, 2), day Date, at DateTime('UTC'),
		ns Nullable(String), tags Array(String)) ENGINE = MergeTree() ORDER BY id`)
	at := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	for i, s := range strs {
		mustExec(t, c, "INSERT INTO b (id, s, f, d, day, at, ns, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			uint32(i), s, math.Pi, decimal.RequireFromString("-12.34"), day(2024, 2, 29), at, nil, []string{s, "?"})
	}
	rows, err := c.Query(t.Context(), "SELECT id, s, f, d, day, at, ns, tags FROM b WHERE s IN ? AND day = ? AND at >= @x ORDER BY id",
		strs, day(2024, 2, 29), at)
	if err == nil {
		rows.Close()
		t.Fatal("mixing ? and @x: no error")
	}
	rows, err = c.Query(t.Context(), "SELECT id, s, f, d, day, at, ns, tags FROM b WHERE s IN ? AND day = ? AND at >= ? ORDER BY id",
		strs, day(2024, 2, 29), at)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id      uint32
			s       string
			f       float64
			d       decimal.Decimal
			dd, tat time.Time
			ns      *string
			tags    []string
		)
		if err := rows.Scan(&id, &s, &f, &d, &dd, &tat, &ns, &tags); err != nil {
			t.Fatal(err)
		}
		if s != strs[id] || f != math.Pi || !d.Equal(decimal.RequireFromString("-12.34")) || !dd.Equal(day(2024, 2, 29)) ||
			!tat.Equal(at) || ns != nil || len(tags) != 2 || tags[0] != strs[id] || tags[1] != "?" {
			t.Errorf("row %d: got %q %v %s %s %s %v %q", id, s, f, d, dd, tat, ns, tags)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(strs) {
		t.Fatalf("read %d rows, want %d", n, len(strs))
	}

	// Floats keep full precision and their specials.
	for _, f := range []float64{math.Pi, 1e-300, math.MaxFloat64, math.Inf(-1), 1} {
		var got float64
		queryOne(t, c, "SELECT ?", []any{f}, &got)
		if got != f {
			t.Errorf("SELECT ? with %v: got %v", f, got)
		}
	}
	var nan float64
	queryOne(t, c, "SELECT ?", []any{math.NaN()}, &nan)
	if !math.IsNaN(nan) {
		t.Errorf("SELECT ? with NaN: got %v", nan)
	}
}
