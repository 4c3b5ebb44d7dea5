package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// The as_of dates a run may have whatever the data, the ClickHouse Date
// rule: as_of is stored as a Date, whose zero (1970-01-01) reads as "no
// date", and the end of its day must be a DateTime (which ends in
// February 2106). No flag overrides it.
var (
	MinAsOf = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)
	MaxAsOf = time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC)
)

var (
	// ErrAsOfOutsideDates is returned for an as_of ClickHouse cannot
	// store (see MinAsOf, MaxAsOf).
	ErrAsOfOutsideDates = errors.New("outside the dates ClickHouse can store")
	// ErrAsOfOutsideData is returned (inside an *AsOfError) for an as_of
	// outside the loaded data: outputs for it would be empty or wrong.
	ErrAsOfOutsideData = errors.New("as_of outside the loaded data")
)

// CheckDateRange returns an error wrapping ErrAsOfOutsideDates when asOf
// is before MinAsOf or after MaxAsOf.
func CheckDateRange(asOf time.Time) error {
	d := Date(asOf)
	if d.Before(MinAsOf) || d.After(MaxAsOf) {
		return fmt.Errorf("as_of %s is %w: use a date from %s to %s", d.Format(asof.Layout), ErrAsOfOutsideDates,
			MinAsOf.Format(asof.Layout), MaxAsOf.Format(asof.Layout))
	}
	return nil
}

// DataRange is the business dates of the first and newest paid order or
// event; Loaded is false when there is none.
type DataRange struct {
	First, Last time.Time
	Loaded      bool
}

// AsOfError says why an as_of lies outside the data. Its fields let a
// caller suggest a date (Last) and its own override (--allow-empty,
// allow_empty).
type AsOfError struct {
	AsOf  time.Time
	Today time.Time
	Range DataRange
	// Default is set when AsOf was not asked for but defaulted to yesterday.
	Default bool
	msg     string
}

func (e *AsOfError) Error() string { return e.msg }

// Suggest returns the nearest date inside the data (the first or the
// newest data date), false when nothing is loaded.
func (e *AsOfError) Suggest() (time.Time, bool) {
	if !e.Range.Loaded {
		return time.Time{}, false
	}
	if e.AsOf.Before(e.Range.First) {
		return e.Range.First, true
	}
	return e.Range.Last, true
}

// Unwrap makes errors.Is(err, ErrAsOfOutsideData) hold.
func (e *AsOfError) Unwrap() error { return ErrAsOfOutsideData }

// Check applies the data rule to asOf, with today the current business
// date: asOf must lie from the first to the newest data date and not
// after today. allowEmpty waives the rule (not CheckDateRange's, which
// Check applies first); defaulted words the error for an as_of that
// defaulted to yesterday.
func (r DataRange) Check(asOf, today time.Time, defaulted, allowEmpty bool) error {
	asOf, today = Date(asOf), Date(today)
	if err := CheckDateRange(asOf); err != nil {
		return err
	}
	if allowEmpty {
		return nil
	}
	d := asOf.Format(asof.Layout)
	e := &AsOfError{AsOf: asOf, Today: today, Range: r, Default: defaulted}
	first, last := r.First.Format(asof.Layout), r.Last.Format(asof.Layout)
	switch {
	case !r.Loaded:
		e.msg = fmt.Sprintf("as_of %s: no paid order or event is loaded", d)
	case defaulted && asOf.After(r.Last):
		e.msg = fmt.Sprintf("no paid order or event after %s (newest data); yesterday %s would publish empty outputs", last, d)
	case asOf.After(today):
		e.msg = fmt.Sprintf("as_of %s is in the future (today is %s): the newest paid order or event is %s", d, today.Format(asof.Layout), last)
	case asOf.After(r.Last):
		e.msg = fmt.Sprintf("as_of %s is after the newest data: the newest paid order or event is %s", d, last)
	case asOf.Before(r.First):
		e.msg = fmt.Sprintf("as_of %s is before the first data: paid orders and events run from %s to %s", d, first, last)
	default:
		return nil
	}
	return e
}

// AsOfGuard applies the as_of rules to the data in ClickHouse: the one
// place the CLI, the API and the scheduler ask (through Runner.CheckAsOf
// and Runner.Run, or directly for report and export). It is safe for
// concurrent use.
type AsOfGuard struct {
	wh    Warehouse
	loc   *time.Location
	now   func() time.Time
	query string
}

// NewAsOfGuard returns a guard reading wh's orders_current and
// events_current, with business dates in loc (nil is UTC) and now as the
// clock (nil is time.Now).
func NewAsOfGuard(wh Warehouse, loc *time.Location, now func() time.Time) (*AsOfGuard, error) {
	q, err := sql.Jobs("data_range")
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	if now == nil {
		now = time.Now
	}
	return &AsOfGuard{wh: wh, loc: loc, now: now, query: q}, nil
}

// Today is the current business date.
func (g *AsOfGuard) Today() time.Time { return Date(g.now().In(g.loc)) }

// Yesterday is the default as_of: the last complete business day.
func (g *AsOfGuard) Yesterday() time.Time { return g.Today().AddDate(0, 0, -1) }

// DataRange reads the first and newest paid order or event date.
func (g *AsOfGuard) DataRange(ctx context.Context) (DataRange, error) {
	rows, err := g.wh.Query(warehouse.WithQueryName(ctx, "data_range"), g.query)
	if err != nil {
		return DataRange{}, fmt.Errorf("read data range: %w", err)
	}
	defer rows.Close()
	var (
		r           DataRange
		first, last time.Time
		n           uint64
	)
	if rows.Next() {
		if err := rows.Scan(&first, &last, &n); err != nil {
			return DataRange{}, fmt.Errorf("read data range: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return DataRange{}, fmt.Errorf("read data range: %w", err)
	}
	if n > 0 {
		r = DataRange{First: Date(first.In(g.loc)), Last: Date(last.In(g.loc)), Loaded: true}
	}
	return r, nil
}

// Check returns nil when asOf may be run, reported or exported: inside
// ClickHouse's dates always, and unless allowEmpty inside the data and
// not in the future (see DataRange.Check). defaulted words the error for
// an as_of that defaulted to yesterday.
func (g *AsOfGuard) Check(ctx context.Context, asOf time.Time, defaulted, allowEmpty bool) error {
	if err := CheckDateRange(asOf); err != nil || allowEmpty {
		return err
	}
	r, err := g.DataRange(ctx)
	if err != nil {
		return err
	}
	return r.Check(asOf, g.Today(), defaulted, allowEmpty)
}

// DataLoader is implemented by jobs that bring data in (LoadJob). The
// runner checks a request's as_of against the data after them.
type DataLoader interface {
	LoadsData() bool
}

func loadsData(j Job) bool {
	l, ok := j.(DataLoader)
	return ok && l.LoadsData()
}

// CheckAsOf applies the as_of rules to req before it runs: the Date rule
// always, and the data rule (through Options.Guard, when set) unless
// req.AllowEmpty or the request starts with load jobs, which may bring
// the data (Run checks again after them).
func (r *Runner) CheckAsOf(ctx context.Context, req Request) error {
	if err := CheckDateRange(req.AsOf); err != nil {
		return err
	}
	if r.opt.Guard == nil || req.AllowEmpty {
		return nil
	}
	plan, err := r.opt.Graph.Plan(req.Target)
	if err != nil {
		return fmt.Errorf("check as_of of %s: %w", req.Target, err)
	}
	for _, name := range restrict(plan, req.Only) {
		if j, _ := r.opt.Graph.Job(name); loadsData(j) {
			return nil
		}
	}
	return r.opt.Guard.Check(ctx, req.AsOf, req.DefaultAsOf, false)
}
