package loaders

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Preview is what DryRun found in a file. Nothing was written anywhere.
type Preview struct {
	Path   string
	Format Format
	// Columns are the canonical columns in table order and Sources the
	// source column feeding each ("" when the file does not give it).
	Columns, Sources []string
	// Ignored lists source columns that map to no canonical column.
	Ignored []string
	// DateStyle is the date style told from the file ("M/D/YYYY"), if any.
	DateStyle string
	// Rows would be loaded and Rejected refused.
	Rows, Rejected int64
	// First are the first parsed rows, by Columns, as they would be stored
	// (timestamps in UTC).
	First [][]string
	// Rejects are the refused rows (the first 100000).
	Rejects []Reject
	// OverLimit says the file would fail: more than MaxRejectRatio refused.
	OverLimit bool
}

// DryRun reads and checks the whole file as LoadFile would, keeping the
// first n parsed rows and every reject, and touches neither the ledger
// nor any table: the Loader's connection is not used (it may be nil).
// Errors that would fail the whole file (a missing column, ambiguous
// dates, a corrupt file) are returned.
func (l *Loader) DryRun(ctx context.Context, path string, n int) (Preview, error) {
	p := Preview{Path: path, Format: l.o.Format, Columns: make([]string, len(l.s.cols)), Sources: make([]string, len(l.s.cols))}
	fail := func(err error) (Preview, error) {
		return p, fmt.Errorf("dry run %s %s: %w", l.o.Kind, path, err)
	}
	if p.Format == "" {
		f, err := FormatOf(path)
		if err != nil {
			return fail(err)
		}
		p.Format = f
	}
	tp, err := l.fileParser(path, p.Format)
	if err != nil {
		return fail(err)
	}
	p.DateStyle = tp.style
	rr, ignored, closeFn, err := l.newReader(path, p.Format, &countingReader{})
	if err != nil {
		return fail(err)
	}
	defer closeFn()
	p.Ignored = ignored
	names := l.s.sourceNames(l.o.Mapping)
	for i, c := range l.s.cols {
		p.Columns[i] = c.name
	}
	rej := &rejectLog{}
	rb := newRecordBuilder(l.s, tp, l.o.Now(), rej)
	rb.decimalComma = l.o.NumberFormat == "1.234,56"
	raw := newRawRow(len(l.s.cols))
	given := make([]bool, len(l.s.cols))
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		err := rr.next(raw)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			rej.addN(re.lines, re.line, "", re.reason, re.raw)
			continue
		}
		if err != nil {
			return fail(err)
		}
		for i, h := range raw.has {
			given[i] = given[i] || h
		}
		if !rb.add(raw, rr.text) {
			continue
		}
		p.Rows++
		if len(p.First) < n {
			p.First = append(p.First, rb.current())
		}
		if rb.rows >= l.o.BatchRows {
			rb.recycle(rb.take("", 0))
		}
	}
	for i, c := range l.s.cols {
		if given[i] && !c.derived {
			p.Sources[i] = names[i]
		}
	}
	p.Rejected, p.Rejects = rej.count, rej.stored
	p.OverLimit = rej.count > 0 && float64(rej.count) > l.o.MaxRejectRatio*float64(p.Rows+rej.count)
	return p, nil
}

// current formats the row add has just accepted, column by column, as it
// would be stored.
func (rb *recordBuilder) current() []string {
	out := make([]string, len(rb.s.cols))
	for i, c := range rb.s.cols {
		switch {
		case c.typ == tString:
			out[i] = rb.sv[i]
		case rb.null[i] && c.typ == tDate:
			out[i] = "NULL"
		case c.typ == tDateTime:
			out[i] = time.Unix(rb.iv[i], 0).UTC().Format(time.DateTime)
		case c.typ == tDate:
			out[i] = time.Unix(rb.iv[i]*86400, 0).UTC().Format(time.DateOnly)
		case c.typ == tDecimal:
			out[i] = formatCents(rb.iv[i])
		case c.typ == tUInt32:
			out[i] = strconv.FormatInt(rb.iv[i], 10)
		case c.typ == tFloat64:
			out[i] = strconv.FormatFloat(rb.fv[i], 'g', -1, 64)
		}
	}
	return out
}
