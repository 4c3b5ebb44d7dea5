package loaders_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// parquetEvent is an events Parquet row without event_id.
type parquetEvent struct {
	MemberID   string  `parquet:"member_id"`
	EventTime  int64   `parquet:"event_time,timestamp(millisecond:utc)"`
	EventType  string  `parquet:"event_type"`
	Value      float64 `parquet:"value"`
	Properties string  `parquet:"properties"`
}

// The same events without event_id, written as CSV, NDJSON and Parquet
// with the differences each writer makes (key order, spacing, number
// forms, escapes, time zones), load to one copy in events_current: the
// derived event_id hashes a canonical form of the row. Before, properties
// were hashed as raw text and every format was a copy of its own.
func TestDerivedEventIDIsCanonicalAcrossFormatsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	const n = 600
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var csv, ndjson strings.Builder
	csv.WriteString("member_id,event_time,event_type,value,properties\n")
	var pq []parquetEvent
	for i := range n {
		member := fmt.Sprintf("m%03d", i%50)
		at := base.Add(time.Duration(i) * time.Minute)
		value := float64(i%7) / 2
		fmt.Fprintf(&csv, "%s,%s,page_view,%.2f,\"{\"\"device\"\":\"\"web\"\",\"\"n\"\":%d,\"\"price\"\":1.50,\"\"ctx\"\":{\"\"b\"\":1,\"\"a\"\":[1,2.0]}}\"\n",
			member, at.Format(time.DateTime), value, i)
		fmt.Fprintf(&ndjson, `{"properties": {"ctx": {"a": [1, 2], "b": 1.0}, "price": 1.5, "n": %d, "device": "w\u0065b"}, "value": %g, "event_type": "page_view", "event_time": %q, "member_id": %q}`+"\n",
			i, value, at.In(time.FixedZone("", 8*3600)).Format(time.RFC3339), member)
		pq = append(pq, parquetEvent{MemberID: member, EventTime: at.UnixMilli(), EventType: "page_view", Value: value,
			Properties: fmt.Sprintf(`{ "price" : 15e-1, "n" : %d.0, "device" : "web", "ctx" : { "b" : 1e0, "a" : [ 1.00, 2 ] } }`, i)})
	}
	csvPath, ndjsonPath := writeFile(t, "events.csv", csv.String()), writeFile(t, "events.ndjson", ndjson.String())
	pqPath := filepath.Join(t.TempDir(), "events.parquet")
	if err := parquet.WriteFile(pqPath, pq); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{csvPath, ndjsonPath, pqPath} {
		if res := load(t, conn, loaders.Options{Kind: loaders.Events}, p); res.Rows != n || res.Rejected != 0 {
			t.Fatalf("%s: %d rows, %d rejected; want %d, 0", p, res.Rows, res.Rejected, n)
		}
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM events"); got != 3*n {
		t.Errorf("events holds %d rows, want %d (three files)", got, 3*n)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM events_current"); got != n {
		t.Errorf("events_current holds %d rows, want %d: the same event in another format got another id", got, n)
	}
	if got := chtest.QueryUint(t, conn, "SELECT uniqExact(event_id) FROM events"); got != n {
		t.Errorf("%d distinct event ids over the three files, want %d", got, n)
	}
}
