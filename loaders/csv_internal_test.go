package loaders

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// csvHead is the header of the inputs below: orders' required columns.
const csvHead = "order_id,member_id,ordered_at,amount"

// csvSplitSeeds are inputs (after the header line) where the split path
// and encoding/csv could disagree: quotes, line ends, empty lines, field
// counts.
var csvSplitSeeds = []string{
	"a,b,c,d\n",
	"a,b,c,d",
	"a,b,c,d\r\n1,2,3,4\r\n",
	"a,b,c,d\r",
	"\n\r\n\na,b,c,d\n\n",
	"a,b,,\n,,,\n",
	"a,b,c\na,b,c,d,e\n",
	"a,\"b,x\",c,d\n1,2,3,4\n",
	"a,\"multi\nline\",c,d\n1,2,3,4\n",
	"a,\"multi\r\nline\r\n\",c,d\n1,2,3,4\n",
	"a,b\"x,c,d\n1,2,3,4\n",
	"a,\"unterminated,c,d\n1,2,3,4\n5,6,7,8\n",
	"a,\"x\"y,c,d\n1,2,3,4\n",
	"1,2,3,4\na,\"q\",c,d\n1,2,3,4\n\n9,9,9,9",
	"a\rb,c,d,e\n",
	"\"\",\"\",\"\",\"\"\n",
	"a,b,c,\"d\"",
	"a,b,c,\"d\"\r",
	"é,ü,ß,€\n",
	"a,b,c," + strings.Repeat("x", 3<<20) + "\n1,2,3,4\n",
	"a,\"" + strings.Repeat("y", 3<<20) + "\",c,d\n1,2,3,4\n",
}

// csvLines reads data with the loader's CSV reader and lists, per
// record, its line and fields or its error, as csvLinesRef does.
func csvLines(t *testing.T, data string, delim rune) []string {
	t.Helper()
	cr, _, err := newCSVReader(strings.NewReader(data), schemas[Orders], nil, delim)
	if err != nil {
		return []string{"header: " + err.Error()}
	}
	var out []string
	raw := newRawRow(len(schemas[Orders].cols))
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("reader did not end")
		}
		err := cr.next(raw)
		var re *rowError
		switch {
		case errors.Is(err, io.EOF):
			return out
		case errors.As(err, &re) && strings.HasPrefix(re.reason, "bad CSV"):
			out = append(out, fmt.Sprintf("%d+%d: %s", re.line, re.lines, re.reason))
		case err == nil || errors.As(err, &re):
			out = append(out, fmt.Sprintf("%d: %q", raw.line, cr.rec))
		default:
			return append(out, "error: "+err.Error())
		}
	}
}

// csvLinesRef is csvLines with encoding/csv alone, as the loader read
// CSV before it split lines itself.
func csvLinesRef(data string, delim rune) []string {
	text, err := sniffText(strings.NewReader(data), "CSV")
	if err != nil {
		return []string{"header: " + err.Error()}
	}
	r := csv.NewReader(text)
	r.Comma, r.FieldsPerRecord, r.ReuseRecord = delim, -1, true
	if _, err := r.Read(); err != nil {
		return []string{"header: " + err.Error()}
	}
	var out []string
	for {
		rec, err := r.Read()
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return out
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("%d+%d: bad CSV: %s", pe.StartLine, max(1, pe.Line-pe.StartLine+1), pe.Err))
		case err != nil:
			return append(out, "error: "+err.Error())
		default:
			line, _ := r.FieldPos(0)
			out = append(out, fmt.Sprintf("%d: %q", line, rec))
		}
	}
}

// TestCSVSplitMatchesEncodingCSV: lines without quotes are split by the
// loader itself; every record, line number and error must be what
// encoding/csv gives for the same input.
func TestCSVSplitMatchesEncodingCSV(t *testing.T) {
	for _, delim := range []rune{',', ';', '\t', '§'} {
		for i, body := range csvSplitSeeds {
			data := strings.ReplaceAll(csvHead+"\n"+body, ",", string(delim))
			got, want := csvLines(t, data, delim), csvLinesRef(data, delim)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("delimiter %q, input %d (%.60q):\n got %v\nwant %v", delim, i, body, got, want)
			}
		}
	}
}

// FuzzCSVSplit compares the loader's CSV reader with encoding/csv on any
// input (make fuzz runs it; go test runs the seeds).
func FuzzCSVSplit(f *testing.F) {
	for _, s := range csvSplitSeeds {
		if len(s) < 1<<10 {
			f.Add(s, byte(0))
		}
	}
	f.Fuzz(func(t *testing.T, body string, d byte) {
		delim := []rune{',', ';', '\t', '|'}[d%4]
		data := strings.ReplaceAll(csvHead, ",", string(delim)) + "\n" + body
		if got, want := csvLines(t, data, delim), csvLinesRef(data, delim); !reflect.DeepEqual(got, want) {
			t.Errorf("delimiter %q, input %q:\n got %v\nwant %v", delim, body, got, want)
		}
	})
}
