// Package asof is the one way memberlytics writes and reads an as_of date:
// the calendar day a model run, a snapshot, an export or a report is for,
// written YYYY-MM-DD and held as midnight UTC.
package asof

import (
	"fmt"
	"time"
)

// Layout is how an as_of date is written: 2006-01-02.
const Layout = time.DateOnly

// Parse reads an as_of date (YYYY-MM-DD) as midnight UTC. The error names
// the value and the expected form.
func Parse(s string) (time.Time, error) {
	d, err := time.ParseInLocation(Layout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse as_of %q: want YYYY-MM-DD", s)
	}
	return d, nil
}

// Format writes the calendar date of t (in t's own location) as YYYY-MM-DD.
func Format(t time.Time) string { return t.Format(Layout) }

// Day returns the calendar date of t (in t's own location) as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
