package loaders

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// benchRows reads every row of data with the reader made by open through
// the record builder, as stageFile does, minus ClickHouse: the parsing
// CPU of a load.
func benchRows(b *testing.B, kind Kind, data []byte, open func(r io.Reader, s *schema) (rowReader, error)) {
	s := schemas[kind]
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	b.ReportAllocs()
	for range b.N {
		rr, err := open(bytes.NewReader(data), s)
		if err != nil {
			b.Fatal(err)
		}
		rej := &rejectLog{}
		rb := newRecordBuilder(s, &timeParser{loc: time.UTC}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rej)
		rb.prepare(nil, 65536)
		raw := newRawRow(len(s.cols))
		for {
			err := rr.next(raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rb.add(raw, rr.text)
			if rb.rows >= 65536 {
				rb.recycle(rb.take("f", 0))
			}
		}
		if rej.count != 0 {
			b.Fatalf("%d rejects", rej.count)
		}
	}
}

// BenchmarkNDJSONEvents100k parses 100,000 events of the generator's shape.
func BenchmarkNDJSONEvents100k(b *testing.B) {
	var buf strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&buf, `{"event_id":"E%09d-1","member_id":"M%09d","event_time":"2025-02-15T17:%02d:%02dZ","event_type":"product_view","value":%d.97,"properties":"{\"sku\":\"SKU%05d\"}"}`+"\n",
			i, i/30, i%60, i%59, i%500, i%10000)
	}
	benchRows(b, Events, []byte(buf.String()), func(r io.Reader, s *schema) (rowReader, error) {
		return newNDJSONReader(r, s, nil)
	})
}

// BenchmarkCSVOrders100k parses 100,000 orders of 10 columns.
func BenchmarkCSVOrders100k(b *testing.B) {
	var buf strings.Builder
	buf.WriteString("order_id,member_id,ordered_at,amount,discount,items,channel,store_id,status,updated_at\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "O%09d-1,M%09d,2024-03-01T12:%02d:%02dZ,%d.29,1.77,%d,store,S%03d,paid,2024-03-01T12:34:56Z\n",
			i, i/3, i%60, i%59, i%900, 1+i%4, i%100)
	}
	benchRows(b, Orders, []byte(buf.String()), func(r io.Reader, s *schema) (rowReader, error) {
		cr, _, err := newCSVReader(r, s, nil, ',')
		return cr, err
	})
}
