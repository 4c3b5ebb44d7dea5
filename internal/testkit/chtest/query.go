package chtest

import (
	"context"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Querier is what the query helpers need: a *warehouse.CH, a chDB
// connection or any wrapper of them.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
}

// QueryUint runs q and returns the first column of its first row, which
// must scan into a uint64 (count(), sum of unsigned). The test fails when
// the query fails or returns no row.
func QueryUint(t testing.TB, conn Querier, q string, args ...any) uint64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n uint64
	if !rows.Next() {
		t.Fatalf("%s: no row (%v)", q, rows.Err())
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// QueryString runs q and returns the first column of its first row, which
// must be a String; "" when the query returns no row. The test fails when
// the query fails.
func QueryString(t testing.TB, conn Querier, q string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// Rows runs q, whose columns are all String (format others with toString
// in the SQL), and returns its rows in the query's order. The test fails
// when the query fails.
func Rows(t testing.TB, conn Querier, q string, args ...any) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][]string
	n := len(rows.Columns())
	for rows.Next() {
		vals := make([]string, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Inserter is what Insert needs: a *warehouse.CH, a chDB connection or
// any wrapper of them.
type Inserter interface {
	PrepareBatch(ctx context.Context, query string) (warehouse.Batch, error)
}

// Insert sends rows in one batch of insert, an INSERT with its column
// list (18.16 needs it). The test fails when any step fails.
func Insert(t testing.TB, conn Inserter, insert string, rows [][]any) {
	t.Helper()
	b, err := conn.PrepareBatch(context.Background(), insert)
	if err != nil {
		t.Fatalf("prepare %s: %v", insert, err)
	}
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatalf("append %s: %v", insert, err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatalf("send %s: %v", insert, err)
	}
}
