package loaders

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/shopspring/decimal"
)

// rawRow is one source row as text, by canonical column: vals[i] is the
// text of column i and has[i] says whether the source gave it (a CSV
// column that exists, a JSON key that is present and not null).
type rawRow struct {
	line int64
	vals []string
	has  []bool
}

func newRawRow(n int) *rawRow { return &rawRow{vals: make([]string, n), has: make([]bool, n)} }

func (r *rawRow) reset() {
	for i := range r.vals {
		r.vals[i], r.has[i] = "", false
	}
}

// arrowType is the Arrow type a canonical column is built as.
func arrowType(t colType) arrow.DataType {
	switch t {
	case tDateTime:
		return arrow.FixedWidthTypes.Timestamp_s
	case tDate:
		return arrow.FixedWidthTypes.Date32
	case tDecimal:
		return &arrow.Decimal128Type{Precision: 18, Scale: 2}
	case tUInt32:
		return arrow.PrimitiveTypes.Uint32
	case tFloat64:
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

func (s *schema) arrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(s.cols))
	for i, c := range s.cols {
		fields[i] = arrow.Field{Name: c.name, Type: arrowType(c.typ), Nullable: c.typ == tDate}
	}
	return arrow.NewSchema(fields, nil)
}

// recordBuilder turns raw rows into Arrow records, checking each value;
// a row with any bad value goes to the reject log instead.
type recordBuilder struct {
	s      *schema
	tp     *timeParser
	maxSec int64 // a timestamp after this is "in the future"
	rej    *rejectLog
	b      *array.RecordBuilder
	rows   int

	// per-row scratch, by column
	sv   []string
	iv   []int64
	fv   []float64
	null []bool

	// birthdaysNulled counts birthdays outside ClickHouse's Date range,
	// stored as NULL in birthday (and in full in birth_date).
	birthdaysNulled int64
	// decimalComma reads amounts written "1.234,56".
	decimalComma bool
	// dateKnown says the row's date (birthday) parsed, in Date's range or
	// not; its days since 1970-01-01 are in iv.
	dateKnown bool

	statusCol, amountCol, updatedCol, firstTimeCol, eventIDCol, propsCol int
	birthdayCol, birthDateCol                                            int
}

func newRecordBuilder(s *schema, tp *timeParser, now time.Time, rej *rejectLog) *recordBuilder {
	n := len(s.cols)
	rb := &recordBuilder{
		s: s, tp: tp, maxSec: now.Unix() + 86400, rej: rej,
		b:  array.NewRecordBuilder(memory.DefaultAllocator, s.arrowSchema()),
		sv: make([]string, n), iv: make([]int64, n), fv: make([]float64, n), null: make([]bool, n),
		statusCol: s.index("status"), amountCol: s.index("amount"), updatedCol: s.index("updated_at"),
		eventIDCol: s.index("event_id"), propsCol: s.index("properties"),
		birthdayCol: s.index("birthday"), birthDateCol: s.index("birth_date"),
	}
	rb.firstTimeCol = -1
	for i, c := range s.cols {
		if c.typ == tDateTime && c.required {
			rb.firstTimeCol = i
			break
		}
	}
	return rb
}

// add checks and appends one row; it reports false when the row was
// rejected (and logged).
func (rb *recordBuilder) add(r *rawRow, text func() string) bool {
	rb.dateKnown = false
	for i, c := range rb.s.cols {
		v := r.vals[i]
		present := r.has[i] && v != ""
		if c.typ == tString && r.has[i] && !present {
			present = false
		}
		if !present {
			if c.required {
				rb.rej.add(r.line, c.name, "missing required value", text())
				return false
			}
			rb.null[i] = true
			rb.sv[i], rb.iv[i], rb.fv[i] = "", 0, 0
			continue
		}
		rb.null[i] = false
		var err error
		switch c.typ {
		case tString:
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				err = fmt.Errorf("not valid UTF-8 text")
			}
			rb.sv[i] = v
		case tDateTime:
			rb.iv[i], err = rb.tp.parse(v)
			if err == nil && rb.iv[i] > rb.maxSec {
				err = fmt.Errorf("more than a day in the future")
			}
		case tDate:
			var d int32
			d, err = rb.tp.parseDate(v)
			rb.dateKnown = err == nil || err == errDateRange
			if err == errDateRange {
				// Nullable(Date) cannot hold it (ClickHouse 18.16 has no
				// Date32); keep the row, count it.
				rb.birthdaysNulled++
				rb.null[i] = true
				err = nil
			}
			rb.iv[i] = int64(d)
		case tDecimal:
			rb.iv[i], err = parseAmount(v, rb.decimalComma)
		case tUInt32:
			var u uint32
			u, err = parseUint32(v)
			rb.iv[i] = int64(u)
		case tFloat64:
			rb.fv[i], err = parseFloat(v)
		}
		if err != nil {
			rb.rej.add(r.line, c.name, err.Error(), v)
			return false
		}
	}
	if !rb.finish(r, text) {
		return false
	}
	for i, c := range rb.s.cols {
		f := rb.b.Field(i)
		switch c.typ {
		case tString:
			f.(*array.StringBuilder).Append(rb.sv[i])
		case tDateTime:
			f.(*array.TimestampBuilder).Append(arrow.Timestamp(rb.iv[i]))
		case tDate:
			if rb.null[i] {
				f.AppendNull()
			} else {
				f.(*array.Date32Builder).Append(arrow.Date32(rb.iv[i]))
			}
		case tDecimal:
			f.(*array.Decimal128Builder).Append(decimal128.FromI64(rb.iv[i]))
		case tUInt32:
			f.(*array.Uint32Builder).Append(uint32(rb.iv[i]))
		case tFloat64:
			f.(*array.Float64Builder).Append(rb.fv[i])
		}
	}
	rb.rows++
	return true
}

// finish applies defaults and the rules between columns.
func (rb *recordBuilder) finish(r *rawRow, text func() string) bool {
	if i := rb.updatedCol; i >= 0 && rb.null[i] {
		rb.iv[i] = rb.iv[rb.firstTimeCol]
	}
	switch rb.s.kind {
	case Orders:
		st := strings.ToLower(strings.TrimSpace(rb.sv[rb.statusCol]))
		switch st {
		case "":
			st = "paid"
		case "canceled":
			st = "cancelled"
		case "paid", "refunded", "cancelled":
		default:
			rb.rej.add(r.line, "status", "unknown status (want paid, refunded or cancelled)", rb.sv[rb.statusCol])
			return false
		}
		rb.sv[rb.statusCol] = st
		if st == "paid" && rb.iv[rb.amountCol] < 0 {
			rb.rej.add(r.line, "amount", "negative amount on a paid order", r.vals[rb.amountCol])
			return false
		}
	case Members:
		if i := rb.birthDateCol; i >= 0 {
			rb.sv[i] = ""
			if rb.dateKnown {
				rb.sv[i] = time.Unix(rb.iv[rb.birthdayCol]*86400, 0).UTC().Format(time.DateOnly)
			}
		}
	case Events:
		p := rb.propsCol
		if rb.null[p] {
			rb.sv[p] = "{}"
		}
		if !rb.null[rb.eventIDCol] {
			if !json.Valid([]byte(rb.sv[p])) {
				rb.rej.add(r.line, "properties", "not valid JSON", rb.sv[p])
				return false
			}
			break
		}
		canon, err := canonicalJSON(rb.sv[p])
		if err != nil {
			rb.rej.add(r.line, "properties", "not valid JSON", rb.sv[p])
			return false
		}
		rb.sv[rb.eventIDCol] = rb.eventID(canon)
	case Items:
		return rb.finishItem(r)
	case Campaigns:
		return rb.finishCampaign(r)
	}
	return true
}

// eventID derives a stable key from the event's content, so the same
// event loaded twice, from any format, is one row in events_current. It
// hashes the values as parsed (timestamps as instants, numbers as
// float64 with -0 as 0, text as given) and properties in their canonical
// JSON form (canonicalJSON); the stored properties keep the source text.
func (rb *recordBuilder) eventID(properties string) string {
	h := sha256.New()
	for i, c := range rb.s.cols {
		if i == rb.eventIDCol {
			continue
		}
		switch {
		case i == rb.propsCol:
			h.Write([]byte(properties))
		case c.typ == tString:
			h.Write([]byte(rb.sv[i]))
		case c.typ == tFloat64:
			v := rb.fv[i]
			if v == 0 {
				v = 0 // -0 is 0
			}
			h.Write(strconv.AppendFloat(nil, v, 'g', -1, 64))
		default:
			h.Write(strconv.AppendInt(nil, rb.iv[i], 10))
		}
		h.Write([]byte{0x1f})
	}
	var sum [sha256.Size]byte
	return "h" + hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// take returns the rows built so far as a record (nil when none).
func (rb *recordBuilder) take() arrow.Record {
	if rb.rows == 0 {
		return nil
	}
	rb.rows = 0
	return rb.b.NewRecord()
}

func (rb *recordBuilder) release() { rb.b.Release() }

// cents is a Decimal(18, 2) column as hundredths. The sender appends it
// with AppendDecimal64 when the batch has it, else as decimal.Decimal
// values (see appendColumn).
type cents []int64

// decimals converts hundredths to the values clickhouse-go's Append takes.
func (c cents) decimals() []decimal.Decimal {
	v := make([]decimal.Decimal, len(c))
	for j, x := range c {
		v[j] = decimal.New(x, -2)
	}
	return v
}

// columns converts a record into the slices clickhouse-go's columnar
// Append takes, followed by the lineage columns.
func columns(s *schema, rec arrow.Record, fileID string, loadedAt int64) ([]any, error) {
	n := int(rec.NumRows())
	out := make([]any, 0, len(s.cols)+2)
	for i, c := range s.cols {
		col := rec.Column(i)
		switch c.typ {
		case tString:
			a := col.(*array.String)
			v := make([]string, n)
			for j := range v {
				v[j] = a.Value(j)
			}
			out = append(out, v)
		case tDateTime:
			a := col.(*array.Timestamp)
			v := make([]int64, n)
			for j, t := range a.TimestampValues() {
				v[j] = int64(t)
			}
			out = append(out, v)
		case tDate:
			a := col.(*array.Date32)
			v := make([]*time.Time, n)
			for j := range v {
				if a.IsValid(j) {
					t := time.Unix(int64(a.Value(j))*86400, 0).UTC()
					v[j] = &t
				}
			}
			out = append(out, v)
		case tDecimal:
			a := col.(*array.Decimal128)
			v := make(cents, n)
			for j := range v {
				v[j] = int64(a.Value(j).LowBits()) // cents fit in int64
			}
			out = append(out, v)
		case tUInt32:
			out = append(out, append([]uint32(nil), col.(*array.Uint32).Uint32Values()...))
		case tFloat64:
			out = append(out, append([]float64(nil), col.(*array.Float64).Float64Values()...))
		default:
			return nil, fmt.Errorf("column %s: unknown type", c.name)
		}
	}
	ids := make([]string, n)
	at := make([]int64, n)
	for j := range ids {
		ids[j], at[j] = fileID, loadedAt
	}
	return append(out, ids, at), nil
}
