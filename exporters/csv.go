package exporters

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// csvWriter writes RFC 4180 CSV: a header row of column names, CRLF line
// ends, fields quoted only when they hold a comma, quote, CR, LF or a
// leading space, UTF-8 without a byte-order mark. Cells:
//
//	NULL                 empty field
//	String               as is
//	integers             decimal digits
//	Float32/64           shortest form that reads back exactly (NaN, +Inf, -Inf)
//	Decimal(P,S)         fixed point with exactly S decimals ("-12.30")
//	Date                 ISO 8601 "2006-01-02"
//	DateTime             ISO 8601 UTC "2006-01-02T15:04:05Z"
//	Array(String)        a JSON array of strings (["a","b"], [] when empty)
type csvWriter struct {
	w      *csv.Writer
	cols   []Column
	record []string
	buf    []byte
}

func newCSVWriter(out io.Writer, cols []Column) (*csvWriter, error) {
	w := csv.NewWriter(out)
	w.UseCRLF = true
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := w.Write(header); err != nil {
		return nil, fmt.Errorf("write csv header: %w", err)
	}
	return &csvWriter{w: w, cols: cols, record: make([]string, len(cols))}, nil
}

func (c *csvWriter) write(b *batch) error {
	for r := 0; r < b.n; r++ {
		for ci := range c.cols {
			c.record[ci] = c.cell(&c.cols[ci], &b.vecs[ci], r)
		}
		if err := c.w.Write(c.record); err != nil {
			return fmt.Errorf("write csv row: %w", err)
		}
	}
	return nil
}

func (c *csvWriter) cell(col *Column, v *vector, r int) string {
	if v.isNull(r) {
		return ""
	}
	switch col.kind {
	case kindString:
		return v.str[r]
	case kindInt8, kindInt16, kindInt32, kindInt64:
		return strconv.FormatInt(v.i64[r], 10)
	case kindUInt8, kindUInt16, kindUInt32, kindUInt64:
		return strconv.FormatUint(v.u64[r], 10)
	case kindFloat32:
		return strconv.FormatFloat(v.f64[r], 'g', -1, 32)
	case kindFloat64:
		return strconv.FormatFloat(v.f64[r], 'g', -1, 64)
	case kindDecimal:
		return formatDecimal(v.i64[r], col.scale)
	case kindDate:
		return time.Unix(v.i64[r]*86400, 0).UTC().Format(time.DateOnly)
	case kindDateTime:
		return time.UnixMicro(v.i64[r]).UTC().Format("2006-01-02T15:04:05Z")
	case kindArrayString:
		a := v.arr[r]
		if a == nil {
			a = []string{}
		}
		c.buf, _ = json.Marshal(a) // []string always marshals
		return string(c.buf)
	}
	return ""
}

// formatDecimal writes an unscaled decimal with scale digits after the point.
func formatDecimal(unscaled int64, scale int) string {
	neg := unscaled < 0
	var u uint64
	if neg {
		u = uint64(-(unscaled + 1)) + 1
	} else {
		u = uint64(unscaled)
	}
	digits := strconv.FormatUint(u, 10)
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func (c *csvWriter) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("flush csv: %w", err)
	}
	return nil
}
