package loaders

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// fuzzRows reads every row of data with the reader made by open and runs
// it through the record builder, as LoadFile does, minus ClickHouse. It
// fails on a panic (by crashing), on a row that is neither loaded nor
// rejected, and on a reader that does not end.
func fuzzRows(t *testing.T, kind Kind, open func(s *schema) (rowReader, error)) {
	s := schemas[kind]
	rr, err := open(s)
	if err != nil {
		return // a file-level refusal (bad header, binary data) is fine
	}
	rej := &rejectLog{}
	rb := newRecordBuilder(s, &timeParser{loc: time.UTC}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rej)
	raw := newRawRow(len(s.cols))
	var built, rejected int64
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader did not end")
		}
		before := rej.count
		err := rr.next(raw)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			rej.addN(re.lines, re.line, "", re.reason, re.raw)
			rejected += rej.count - before
			continue
		}
		if err != nil {
			return // a read error ends the file, as it should
		}
		if rb.add(raw, rr.text) {
			built++
		} else if rej.count != before+1 {
			t.Fatalf("row %d neither built nor rejected once", raw.line)
		}
		if blk := rb.take("f", 0); blk != nil {
			if len(blk.cols) != len(s.cols)+2 {
				t.Fatalf("block has %d columns, want %d", len(blk.cols), len(s.cols)+2)
			}
			rb.recycle(blk)
		}
	}
}

// fuzzKinds maps the fuzzer's kind byte to a kind, so each target covers
// the members, orders and events schemas (their required fields, types
// and cross-column rules differ).
var fuzzKinds = []Kind{Orders, Members, Events}

func FuzzCSVRow(f *testing.F) {
	seeds := map[Kind][]string{
		Orders: {
			"order_id,member_id,ordered_at,amount,discount,items,channel,store_id,status,updated_at",
			"O1,M1,2024-03-01T12:34:56Z,203.29,11.77,1,store,S098,paid,2024-03-01T12:34:56Z",
			"O2,M2,2024-03-01 12:34:56,-5,0,0,app,,refunded,",
			`"O,3",M3,20240301,1e2,,,"a ""b""",,cancelled,1709296496`,
			"O4,,not a time,abc,x,-1,,,weird,",
			"O5,M5,2024-02-30,1.005,,4294967296,,,PAID,",
			"\"unterminated,M6",
			"a,b",
		},
		Members: {
			"member_id,joined_at,birthday,gender,region,channel,source_tier,updated_at",
			"M1,2023-05-01T08:00:00Z,1985-02-28,F,north,app,silver,2023-05-01T08:00:00Z",
			"M2,2023-05-01,1950-01-01,,,,,",
			"M3,,2024-02-30,X,,,,",
			"M4,1700000000,19991231,M,\"sou,th\",store,,20240101",
		},
		Events: {
			"event_id,member_id,event_time,event_type,value,properties",
			`E1,M1,2024-03-01T12:34:56Z,login,0,"{""device"":""app""}"`,
			",M1,2024-03-01,points_earned,30,",
			"E3,M3,2024-03-01,review,NaN,not json",
			"E4,,x,,1e400,{}",
		},
	}
	for k, kind := range fuzzKinds {
		lines := seeds[kind]
		for _, row := range lines[1:] {
			f.Add(uint8(k), lines[0]+"\n"+row+"\n")
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, data string) {
		fuzzRows(t, fuzzKinds[int(k)%len(fuzzKinds)], func(s *schema) (rowReader, error) {
			r, _, err := newCSVReader(strings.NewReader(data), s, nil, ',')
			return r, err
		})
	})
}

func FuzzNDJSONRow(f *testing.F) {
	seeds := map[Kind][]string{
		Events: {
			`{"event_id":"E1","member_id":"M1","event_time":"2024-03-01T12:34:56Z","event_type":"login","value":0,"properties":"{\"device\":\"app\"}"}`,
			`{"member_id":"M1","event_time":1709296496,"event_type":"points_earned","value":30,"properties":{"order_id":"O1"}}`,
			`{"member_id":null,"event_time":"x","event_type":"", "value":"NaN"}`,
			`[1,2,3]`,
			`{"member_id":"M1","event_time":"2024-03-01","event_type":"login","properties":"not json"}`,
			`{"member_id":"M\u0000","event_time":"2024-03-01","event_type":"login"}`,
			`{`,
		},
		Orders: {
			`{"order_id":"O1","member_id":"M1","ordered_at":"2024-03-01T12:34:56Z","amount":"203.29","items":2,"status":"paid"}`,
			`{"order_id":1,"member_id":"M1","ordered_at":"2024-03-01","amount":-1e3,"items":-1,"status":"x"}`,
			`{"order_id":"O3","member_id":"M3","ordered_at":20240301,"amount":12.345,"discount":null,"items":1.5}`,
		},
		Members: {
			`{"member_id":"M1","joined_at":"2023-05-01T08:00:00Z","birthday":"1985-02-28","gender":"F","source_tier":""}`,
			`{"member_id":"M2","joined_at":"2023-05-01","birthday":"1950-01-01","updated_at":true}`,
			`{"member_id":["M3"],"joined_at":{},"birthday":19991231}`,
		},
	}
	for k, kind := range fuzzKinds {
		for _, line := range seeds[kind] {
			f.Add(uint8(k), line+"\n")
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, data string) {
		fuzzRows(t, fuzzKinds[int(k)%len(fuzzKinds)], func(s *schema) (rowReader, error) {
			return newNDJSONReader(bytes.NewReader([]byte(data)), s, nil)
		})
	})
}

// FuzzNDJSONScan checks that the scanning path of the NDJSON reader gives,
// for every line it takes, the values encoding/json gives (decode), and
// that it takes the lines of the generator's shape.
func FuzzNDJSONScan(f *testing.F) {
	for _, line := range []string{
		`{"event_id":"E000000001-1","member_id":"M000000001","event_time":"2025-02-15T17:19:03Z","event_type":"product_view","value":184.97,"properties":"{\"sku\":\"SKU07505\"}"}`,
		`{"member_id":"M1","event_time":1709296496,"event_type":"points_earned","value":-30e-1,"properties":{"order_id":"O1","n":[1,{"a":"}"}]}}`,
		`{ "member_id" : "M1" , "member_id" : null, "value": true, "event_type":"w\u0065b", "x": "caf` + "\u00e9" + `" }`,
		`{"member_id":"M1","value":01}`,
		`{"member_id":"M1","value":-}`,
		`{"member_id":"M1","value":1.}`,
		`{"member_id":"M1","value":nul}`,
		`{"member_id":"M1"}x`,
		`{"member_id":"M1",}`,
		`{"mem\u0062er_id":"M1"}`,
		`{"member_id":"a\qb"}`,
		`{"member_id":"a` + "\x01" + `b"}`,
		`{"member_id":"` + "\xff" + `"}`,
		`{}`,
		`{"properties":[1,2,]}`,
		`{"properties":{"a":1}}}`,
	} {
		f.Add(line)
	}
	s := schemas[Events]
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] != '{' || strings.ContainsAny(line, "\n\r") {
			return
		}
		n, err := newNDJSONReader(strings.NewReader(""), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		scanned, decoded := newRawRow(len(s.cols)), newRawRow(len(s.cols))
		derr := n.decode([]byte(line), decoded)
		if !n.scan(line, scanned) {
			return
		}
		if derr != nil {
			t.Fatalf("scan took %q, encoding/json refused it: %v", line, derr)
		}
		for i, c := range s.cols {
			if scanned.has[i] != decoded.has[i] || scanned.vals[i] != decoded.vals[i] {
				t.Fatalf("%q: column %s: scan (%v, %q), encoding/json (%v, %q)", line, c.name,
					scanned.has[i], scanned.vals[i], decoded.has[i], decoded.vals[i])
			}
		}
	})
}

// TestNDJSONScanTakesPlainLines: the lines the generator writes, nested
// properties and escapes take the scanning path, and invalid JSON does not.
func TestNDJSONScanTakesPlainLines(t *testing.T) {
	s := schemas[Events]
	n, err := newNDJSONReader(strings.NewReader(""), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := newRawRow(len(s.cols))
	for _, tc := range []struct {
		line string
		take bool
	}{
		{`{"event_id":"E1","member_id":"M1","event_time":"2025-02-15T17:19:03Z","event_type":"product_view","value":184.97,"properties":"{\"sku\":\"S\"}"}`, true},
		{`{"member_id":"M1","properties":{"a":[1,{"b":"}"}]},"value":-1.5e3}`, true},
		{`{"member_id":"M\u00e9"}`, true},
		{`{"member_id":"M1","value":01}`, false},
		{`{"member_id":"M1",}`, false},
		{`{"member_id":"M1"} {}`, false},
		{`{"properties":{"a":1,}}`, false},
	} {
		if got := n.scan(tc.line, r); got != tc.take {
			t.Errorf("scan(%s) = %v, want %v", tc.line, got, tc.take)
		}
	}
	if !n.scan(`{"member_id":"M\u00e9","value":null,"properties":{"a": [1]},"event_type":"x","event_type":"y"}`, r) {
		t.Fatal("scan refused a valid line")
	}
	want := map[string]string{"member_id": "Mé", "properties": `{"a": [1]}`, "event_type": "y"}
	for i, c := range s.cols {
		w, ok := want[c.name]
		if r.has[i] != ok || r.vals[i] != w {
			t.Errorf("column %s: (%v, %q), want (%v, %q)", c.name, r.has[i], r.vals[i], ok, w)
		}
	}
}
