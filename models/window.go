package models

import (
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// Window is an as_of day in the business time zone. Only the calendar date
// of AsOf matters; data belongs to the window when its UTC timestamp is
// before End, the first instant of the next day in Location.
type Window struct {
	// AsOf is the date, midnight UTC.
	AsOf time.Time
	// End is the exclusive upper bound: midnight after AsOf in Location, in UTC.
	End time.Time
	// Location is the business time zone.
	Location *time.Location
}

// NewWindow returns the window for the calendar date of asOf (read in
// asOf's own location) ending at midnight in loc.
func NewWindow(asOf time.Time, loc *time.Location) Window {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := asOf.Date()
	return Window{
		AsOf:     time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		End:      time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC(),
		Location: loc,
	}
}

// DayStart returns, in UTC, the first instant of the day n days before
// as_of in the business zone; DayStart(0) is the start of as_of itself, so
// [DayStart(n-1), End) is the last n days including as_of.
func (w Window) DayStart(n int) time.Time {
	y, m, d := w.AsOf.Date()
	return time.Date(y, m, d-n, 0, 0, 0, 0, w.Location).UTC()
}

// Date formats the as_of date as YYYY-MM-DD.
func (w Window) Date() string { return w.AsOf.Format(asof.Layout) }

// Args returns the bound parameters every model query may use, plus extra
// (more clickhouse.Named values):
//
//	@as_of     the as_of date, use as toDate(@as_of)
//	@as_of_end the exclusive UTC bound, use as toDateTime(@as_of_end, 'UTC')
//	@tz        the business time zone name, for toDate(ts, @tz)
//	@run_id    the run id
func (w Window) Args(runID string, extra ...any) []any {
	args := []any{
		clickhouse.Named("as_of", w.Date()),
		clickhouse.Named("as_of_end", FormatUTC(w.End)),
		clickhouse.Named("tz", w.Location.String()),
		clickhouse.Named("run_id", runID),
	}
	return append(args, extra...)
}

// FormatUTC writes t as a UTC DateTime literal body, 2006-01-02 15:04:05,
// for toDateTime(@x, 'UTC').
func FormatUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
