package chdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestServerVersionIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	v, err := c.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.AtLeast(26, 0) {
		t.Fatalf("version %s, want 26.0 or newer", v)
	}
	if !strings.HasPrefix(c.Database(), "t") {
		t.Fatalf("Database() = %q, want the test database", c.Database())
	}
	var cur string
	queryOne(t, c, "SELECT currentDatabase()", nil, &cur)
	if cur != c.Database() {
		t.Fatalf("currentDatabase() = %q, Database() = %q", cur, c.Database())
	}
	var tz string
	queryOne(t, c, "SELECT timezone()", nil, &tz)
	if tz != "UTC" {
		t.Fatalf("session timezone %q, want UTC", tz)
	}
}

func TestExceptionIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	tests := []struct {
		name, query string
		code        int32
		codeName    string
	}{
		{"unknown table", "SELECT * FROM no_such_table", 60, "UNKNOWN_TABLE"},
		{"syntax", "SELEC 1", 62, "SYNTAX_ERROR"},
		{"unknown function", "SELECT no_such_function(1)", 46, "UNKNOWN_FUNCTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, run := range []func() error{
				func() error { return c.Exec(context.Background(), tt.query) },
				func() error { _, err := c.Query(context.Background(), tt.query); return err },
			} {
				err := run()
				var ex *clickhouse.Exception
				if !errors.As(err, &ex) {
					t.Fatalf("error %v (%T) is not a *clickhouse.Exception", err, err)
				}
				if ex.Code != tt.code || ex.CodeName != tt.codeName {
					t.Fatalf("code %d %s, want %d %s (message %q)", ex.Code, ex.CodeName, tt.code, tt.codeName, ex.Message)
				}
			}
		})
	}
}

func TestZeroRowsIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	mustExec(t, c, "CREATE TABLE e (id UInt64, name String) ENGINE = MergeTree() ORDER BY id")
	rows, err := c.Query(context.Background(), "SELECT id, name FROM e WHERE id > ?", uint64(5))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if got := strings.Join(rows.Columns(), ","); got != "id,name" {
		t.Fatalf("Columns() = %q, want id,name", got)
	}
	if rows.Next() {
		t.Fatal("Next() = true on an empty result")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var id uint64
	var name string
	if err := rows.Scan(&id, &name); err == nil {
		t.Fatal("Scan without a row succeeded")
	}
}

func TestDatabaseIsolationIntegration(t *testing.T) {
	t.Parallel()
	a, b := openTest(t), openTest(t)
	ctx := context.Background()
	for i, c := range []*Conn{a, b} {
		mustExec(t, c, "CREATE TABLE same (n UInt8) ENGINE = MergeTree() ORDER BY n")
		mustExec(t, c, "INSERT INTO same (n) VALUES (?)", uint8(i+1))
	}
	for i, c := range []*Conn{a, b} {
		var n uint8
		queryOne(t, c, "SELECT n FROM same", nil, &n)
		if n != uint8(i+1) {
			t.Fatalf("session %d reads %d from its own database, want %d", i, n, i+1)
		}
	}
	// Concurrent statements on one Conn and across Conns.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		c := []*Conn{a, b}[i%2]
		wg.Go(func() {
			var n uint64
			if err := scanOne(c, "SELECT count() FROM numbers(?)", []any{uint64(1000 + i)}, &n); err != nil {
				errs <- err
			} else if n != uint64(1000+i) {
				errs <- errors.New("wrong count")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_ = ctx
}

func TestClosedAndContextIntegration(t *testing.T) {
	t.Parallel()
	requireLibrary(t)
	c, err := Open(libPath, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database() != "default" {
		t.Fatalf("Database() = %q, want default", c.Database())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Exec with a cancelled context: %v, want context.Canceled", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.Exec(context.Background(), "SELECT 1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Exec after Close: %v, want ErrClosed", err)
	}
	// The engine outlives the closed session.
	d := openTest(t)
	var one uint8
	queryOne(t, d, "SELECT 1", nil, &one)
	if one != 1 {
		t.Fatalf("SELECT 1 = %d", one)
	}
}

func TestOpenOtherDirectoryIntegration(t *testing.T) {
	t.Parallel()
	requireLibrary(t)
	_ = openTest(t) // make sure the engine runs
	_, err := Open(libPath, t.TempDir())
	if !errors.Is(err, ErrEngineInUse) {
		t.Fatalf("Open on a second directory: %v, want ErrEngineInUse", err)
	}
}

func TestScanNullIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	q := "SELECT CAST(NULL AS Nullable(String)), CAST('x' AS Nullable(String))"

	var p1, p2 *string
	queryOne(t, c, q, nil, &p1, &p2)
	if p1 != nil || p2 == nil || *p2 != "x" {
		t.Fatalf("**string: got %v, %v; want nil, x", p1, p2)
	}
	var a1, a2 any
	queryOne(t, c, q, nil, &a1, &a2)
	if a1 != nil || a2 != "x" {
		t.Fatalf("*any: got %v, %v; want nil, x", a1, a2)
	}
	var n1, n2 sql.NullString
	queryOne(t, c, q, nil, &n1, &n2)
	if n1.Valid || !n2.Valid || n2.String != "x" {
		t.Fatalf("sql.NullString: got %+v, %+v", n1, n2)
	}
	var s1, s2 string
	err := scanOne(c, q, nil, &s1, &s2)
	if err == nil || !strings.Contains(err.Error(), "NULL") {
		t.Fatalf("NULL into *string: %v, want an error about NULL", err)
	}
}

func TestScanMismatchIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	tests := []struct {
		name, query string
		dest        any
		want        string
	}{
		{"uint64 into int64", "SELECT toUInt64(1) AS n", new(int64), `column "n" (UInt64)`},
		{"string into int", "SELECT 'a' AS s", new(int), `column "s" (String)`},
		{"decimal into float", "SELECT toDecimal64(1, 2) AS d", new(float64), `use *decimal.Decimal`},
		{"array into string", "SELECT [1, 2] AS a", new(string), `column "a" (Array(UInt8))`},
		{"not a pointer", "SELECT 1 AS x", uint8(0), "not a non-nil pointer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := scanOne(c, tt.query, nil, tt.dest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	var a, b uint8
	if err := scanOne(c, "SELECT 1", nil, &a, &b); err == nil {
		t.Fatal("two destinations for one column: no error")
	}
}

func TestConvenienceScanIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	tests := []struct{ expr, want string }{
		{"toUInt64(18446744073709551615)", "18446744073709551615"},
		{"toInt8(-5)", "-5"},
		{"toFloat64(0.1)", "0.1"},
		{"toDecimal64(1.5, 2)", "1.50"},
		{"toDate('2024-02-29')", "2024-02-29"},
		{"toDateTime('2024-02-29 23:59:58', 'UTC')", "2024-02-29 23:59:58"},
		{"toDateTime64('2024-02-29 23:59:58.125', 3, 'UTC')", "2024-02-29 23:59:58.125"},
		{"true", "true"},
		{"CAST('b' AS Enum8('a' = 1, 'b' = 2))", "b"},
	}
	for _, tt := range tests {
		var s string
		queryOne(t, c, "SELECT "+tt.expr, nil, &s)
		if s != tt.want {
			t.Errorf("SELECT %s into *string = %q, want %q", tt.expr, s, tt.want)
		}
	}
}
