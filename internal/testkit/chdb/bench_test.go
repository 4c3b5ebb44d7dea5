package chdb

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// BenchmarkInsert measures column-wise batch inserts of rows shaped like
// memberlytics' orders (UInt64, String, Decimal(18, 2), DateTime('UTC')).
// Run with: go test -run '^$' -bench Insert -benchtime 3x ./internal/testkit/chdb
func BenchmarkInsert(b *testing.B) {
	for _, rowsPerBatch := range []int{1_000_000} {
		b.Run("rows="+itoa(rowsPerBatch), func(b *testing.B) {
			c := openTest(b)
			mustExec(b, c, "CREATE TABLE orders (id UInt64, member String, amount Decimal(18, 2), at DateTime('UTC')) ENGINE = MergeTree() ORDER BY id")
			ids, members := make([]uint64, rowsPerBatch), make([]string, rowsPerBatch)
			amounts, ats := make([]decimal.Decimal, rowsPerBatch), make([]time.Time, rowsPerBatch)
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range rowsPerBatch {
				ids[i] = uint64(i)
				members[i] = "member-" + itoa(i%50_000)
				amounts[i] = decimal.New(int64(i%100_000), -2)
				ats[i] = base.Add(time.Duration(i) * time.Second)
			}
			b.ResetTimer()
			for range b.N {
				batch, err := c.PrepareBatch(context.Background(), "INSERT INTO orders (id, member, amount, at)")
				if err != nil {
					b.Fatal(err)
				}
				for i, col := range []any{ids, members, amounts, ats} {
					if err := batch.Column(i).Append(col); err != nil {
						b.Fatal(err)
					}
				}
				if err := batch.Send(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rowsPerBatch*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkInsertRowWise is BenchmarkInsert appending row by row.
func BenchmarkInsertRowWise(b *testing.B) {
	const n = 1_000_000
	c := openTest(b)
	mustExec(b, c, "CREATE TABLE orders (id UInt64, member String, amount Decimal(18, 2), at DateTime('UTC')) ENGINE = MergeTree() ORDER BY id")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for range b.N {
		batch, err := c.PrepareBatch(context.Background(), "INSERT INTO orders (id, member, amount, at)")
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if err := batch.Append(uint64(i), "member-x", decimal.New(int64(i%100_000), -2), base.Add(time.Duration(i)*time.Second)); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQuery measures reading and scanning 1M rows.
func BenchmarkQuery(b *testing.B) {
	c := openTest(b)
	for range b.N {
		rows, err := c.Query(context.Background(), "SELECT number, toString(number), toDecimal64(number, 2), toDateTime(number, 'UTC') FROM numbers(1000000)")
		if err != nil {
			b.Fatal(err)
		}
		var (
			id  uint64
			s   string
			d   decimal.Decimal
			at  time.Time
			cnt int
		)
		for rows.Next() {
			if err := rows.Scan(&id, &s, &d, &at); err != nil {
				b.Fatal(err)
			}
			cnt++
		}
		if err := rows.Err(); err != nil || cnt != 1_000_000 {
			b.Fatalf("read %d rows: %v", cnt, err)
		}
	}
	b.ReportMetric(float64(1_000_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func itoa(i int) string {
	return decimal.NewFromInt(int64(i)).String()
}
