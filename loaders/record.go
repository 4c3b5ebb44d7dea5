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

// recordBuilder turns raw rows into blocks of column slices, checking
// each value; a row with any bad value goes to the reject log instead.
type recordBuilder struct {
	s      *schema
	tp     *timeParser
	maxSec int64 // a timestamp after this is "in the future"
	rej    *rejectLog
	cur    *block // being filled
	made   int    // blocks made so far, at most blocksInFlight
	rows   int
	// free holds blocks handed back with recycle, reused by take.
	free chan *block

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
	// omit marks the columns left out of the blocks and the insert
	// (schema.omitted); nil keeps all. sizeRows is the rows a block is
	// made for, 0 to let its slices grow. Both are set by prepare.
	omit     []bool
	sizeRows int

	statusCol, amountCol, updatedCol, firstTimeCol, eventIDCol, propsCol int
	birthdayCol, birthDateCol                                            int
}

func newRecordBuilder(s *schema, tp *timeParser, now time.Time, rej *rejectLog) *recordBuilder {
	n := len(s.cols)
	rb := &recordBuilder{
		s: s, tp: tp, maxSec: now.Unix() + 86400, rej: rej,
		cur: newBlock(s, nil, 0), made: 1, free: make(chan *block, blocksInFlight),
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

// prepare sets the columns to omit and makes the blocks with room for
// rows rows in each column they keep, so filling one never grows (and
// copies) a slice. Call it before the first row.
func (rb *recordBuilder) prepare(omit []bool, rows int) {
	rb.omit, rb.sizeRows = omit, rows
	rb.cur = newBlock(rb.s, omit, rows)
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
	rb.cur.appendRow(rb)
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

// take returns the rows built so far as a block (nil when none) with
// the lineage columns filled, and starts the next block in one handed
// back with recycle. At most blocksInFlight blocks exist: when all are
// out, take waits for one to be recycled, so the caller must hand every
// block it takes back (from any goroutine) once its values have been
// copied out, e.g. appended to the insert.
func (rb *recordBuilder) take(fileID string, loadedAt int64) *block {
	if rb.rows == 0 {
		return nil
	}
	b := rb.cur
	b.fillLineage(fileID, loadedAt, rb.omit)
	rb.rows = 0
	if rb.made < blocksInFlight {
		select {
		case rb.cur = <-rb.free:
		default:
			rb.cur = newBlock(rb.s, rb.omit, rb.sizeRows)
			rb.made++
		}
	} else {
		rb.cur = <-rb.free
	}
	rb.cur.reset()
	return b
}

// recycle hands a block taken with take back for reuse. Safe to call
// from another goroutine than the one adding rows.
func (rb *recordBuilder) recycle(b *block) {
	if b != nil {
		rb.free <- b
	}
}

// blocksInFlight is how many blocks a load holds at most: one being
// filled while the other is sent.
const blocksInFlight = 2

// block is a batch of rows as the column slices clickhouse-go's columnar
// Append takes, lineage columns (file_id, loaded_at) last; the columns the
// builder omits are neither filled nor in cols. Its slices
// are reused from one batch to the next (take, recycle): every row
// appended sets every column, so no value of an earlier batch shows.
type block struct {
	s    *schema
	rows int
	// By canonical column, the slice of its type (others nil).
	str   [][]string
	i64   [][]int64 // DateTime as Unix seconds
	cts   []cents   // Decimal(18, 2)
	u32   [][]uint32
	f64   [][]float64
	dates [][]*time.Time // Nullable(Date): nil is NULL
	// dateVals backs the non-NULL dates, so they need no allocation each.
	dateVals [][]time.Time
	fileIDs  []string
	loadedAt []int64
	cols     []any
}

// newBlock makes an empty block; with rows > 0 each column but those
// omit marks has room for that many rows.
func newBlock(s *schema, omit []bool, rows int) *block {
	n := len(s.cols)
	b := &block{
		s:   s,
		str: make([][]string, n), i64: make([][]int64, n), cts: make([]cents, n),
		u32: make([][]uint32, n), f64: make([][]float64, n),
		dates: make([][]*time.Time, n), dateVals: make([][]time.Time, n),
		cols: make([]any, 0, n+2),
	}
	if rows <= 0 {
		return b
	}
	for i, c := range s.cols {
		if omit != nil && omit[i] {
			continue
		}
		switch c.typ {
		case tString:
			b.str[i] = make([]string, 0, rows)
		case tDateTime:
			b.i64[i] = make([]int64, 0, rows)
		case tDecimal:
			b.cts[i] = make(cents, 0, rows)
		case tUInt32:
			b.u32[i] = make([]uint32, 0, rows)
		case tFloat64:
			b.f64[i] = make([]float64, 0, rows)
		case tDate:
			b.dates[i] = make([]*time.Time, 0, rows)
			b.dateVals[i] = make([]time.Time, 0, rows)
		}
	}
	b.fileIDs, b.loadedAt = make([]string, 0, rows), make([]int64, 0, rows)
	return b
}

// reset empties the block, keeping its slices' capacity.
func (b *block) reset() {
	b.rows = 0
	for i := range b.str {
		b.str[i], b.i64[i], b.cts[i] = b.str[i][:0], b.i64[i][:0], b.cts[i][:0]
		b.u32[i], b.f64[i] = b.u32[i][:0], b.f64[i][:0]
		b.dates[i], b.dateVals[i] = b.dates[i][:0], b.dateVals[i][:0]
	}
	b.fileIDs, b.loadedAt = b.fileIDs[:0], b.loadedAt[:0]
}

// appendRow appends the row rb has checked (its scratch values).
func (b *block) appendRow(rb *recordBuilder) {
	for i, c := range rb.s.cols {
		if rb.omit != nil && rb.omit[i] {
			continue
		}
		switch c.typ {
		case tString:
			b.str[i] = append(b.str[i], rb.sv[i])
		case tDateTime:
			b.i64[i] = append(b.i64[i], rb.iv[i])
		case tDate:
			if rb.null[i] {
				b.dates[i] = append(b.dates[i], nil)
				break
			}
			if len(b.dateVals[i]) == cap(b.dateVals[i]) {
				// A new backing array: the pointers taken so far keep
				// the old one alive until the block is reset.
				b.dateVals[i] = make([]time.Time, 0, max(1024, 2*cap(b.dateVals[i])))
			}
			b.dateVals[i] = append(b.dateVals[i], time.Unix(rb.iv[i]*86400, 0).UTC())
			b.dates[i] = append(b.dates[i], &b.dateVals[i][len(b.dateVals[i])-1])
		case tDecimal:
			b.cts[i] = append(b.cts[i], rb.iv[i])
		case tUInt32:
			b.u32[i] = append(b.u32[i], uint32(rb.iv[i]))
		case tFloat64:
			b.f64[i] = append(b.f64[i], rb.fv[i])
		}
	}
	b.rows++
}

// fillLineage sets the lineage columns and cols, the slices in insert
// order (schema.insertColumns with the same omit).
func (b *block) fillLineage(fileID string, loadedAt int64, omit []bool) {
	for len(b.fileIDs) < b.rows {
		b.fileIDs = append(b.fileIDs, fileID)
		b.loadedAt = append(b.loadedAt, loadedAt)
	}
	b.cols = b.cols[:0]
	for i, c := range b.s.cols {
		if omit != nil && omit[i] {
			continue
		}
		switch c.typ {
		case tString:
			b.cols = append(b.cols, b.str[i])
		case tDateTime:
			b.cols = append(b.cols, b.i64[i])
		case tDecimal:
			b.cols = append(b.cols, b.cts[i])
		case tUInt32:
			b.cols = append(b.cols, b.u32[i])
		case tFloat64:
			b.cols = append(b.cols, b.f64[i])
		case tDate:
			b.cols = append(b.cols, b.dates[i])
		}
	}
	b.cols = append(b.cols, b.fileIDs, b.loadedAt)
}

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
