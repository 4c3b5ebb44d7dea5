package loaders

import (
	"reflect"
	"testing"
	"time"
)

// TestBlockReuseKeepsNoEarlierValues: blocks are reused from batch to
// batch (take, recycle), so a row with optional values missing, put in a
// block that held a row with them, must show the defaults, not the
// earlier row's values; and every taken block has exactly its own rows.
func TestBlockReuseKeepsNoEarlierValues(t *testing.T) {
	tests := []struct {
		kind       Kind
		full, bare map[string]string
	}{
		{Orders,
			map[string]string{"order_id": "o1", "member_id": "m1", "ordered_at": "2024-01-02 03:04:05", "amount": "12.50",
				"discount": "1.25", "items": "3", "channel": "web", "store_id": "s9", "status": "refunded", "updated_at": "2024-02-01"},
			map[string]string{"order_id": "o2", "member_id": "m2", "ordered_at": "2024-01-03 00:00:00", "amount": "5"},
		},
		{Members,
			map[string]string{"member_id": "m1", "joined_at": "2020-01-01", "birthday": "1980-05-06", "gender": "f", "region": "north",
				"channel": "shop", "source_tier": "gold", "updated_at": "2021-01-01"},
			map[string]string{"member_id": "m2", "joined_at": "2020-01-02"},
		},
		{Events,
			map[string]string{"event_id": "e1", "member_id": "m1", "event_time": "2024-01-01", "event_type": "visit", "value": "2.5",
				"properties": `{"a":1}`},
			map[string]string{"member_id": "m2", "event_time": "2024-01-02", "event_type": "visit"},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			s := schemas[tt.kind]
			rej := &rejectLog{}
			rb := newRecordBuilder(s, &timeParser{loc: time.UTC}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rej)
			row := func(vals map[string]string) *rawRow {
				r := newRawRow(len(s.cols))
				for i, c := range s.cols {
					r.vals[i], r.has[i] = vals[c.name]
				}
				return r
			}
			text := func() string { return "" }
			add := func(vals map[string]string) *block {
				t.Helper()
				if !rb.add(row(vals), text) {
					t.Fatalf("row %v rejected: %v", vals, rej.first(1))
				}
				return rb.take("f", 7)
			}
			// What a bare row gives in a fresh builder.
			fresh := newRecordBuilder(s, rb.tp, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rej)
			fresh.add(row(tt.bare), text)
			want := clone(fresh.take("f", 7))

			// full, full, then bare: the third row goes into the first
			// block, which held the first full row.
			first := add(tt.full)
			rb.recycle(first)
			second := add(tt.full)
			rb.recycle(second)
			third := add(tt.bare)
			if third != first {
				t.Fatalf("the third block is not the first one reused: the test does not test reuse")
			}
			if got := clone(third); !reflect.DeepEqual(got, want) {
				t.Errorf("bare row after a full one in a reused block:\n got %v\nwant %v", got, want)
			}
			if third.rows != 1 {
				t.Errorf("reused block has %d rows, want 1", third.rows)
			}
		})
	}
}

// clone copies a block's columns out (dates as values, nil as NULL).
func clone(b *block) []any {
	out := make([]any, len(b.cols))
	for i, c := range b.cols {
		switch v := c.(type) {
		case []*time.Time:
			d := make([]any, len(v))
			for j, p := range v {
				if p != nil {
					d[j] = *p
				}
			}
			out[i] = d
		case []string:
			out[i] = append([]string(nil), v...)
		case []int64:
			out[i] = append([]int64(nil), v...)
		case cents:
			out[i] = append(cents(nil), v...)
		case []uint32:
			out[i] = append([]uint32(nil), v...)
		case []float64:
			out[i] = append([]float64(nil), v...)
		default:
			panic("unknown column type")
		}
	}
	return out
}
