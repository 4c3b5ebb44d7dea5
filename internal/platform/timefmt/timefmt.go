// Package timefmt turns date formats written the way analysts write them
// ("MM/DD/YYYY HH:mm", "D.M.YYYY h:mm AM/PM") into Go time layouts. A
// format that is already a Go layout ("01/02/2006 15:04") is returned as
// it is. The config validation and the loaders both use Layout.
package timefmt

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrFormat means a format is neither an analyst's date format nor a Go
// layout.
var ErrFormat = errors.New("not a date format")

// tokens are the analyst's tokens, longest first at each position.
var tokens = []struct{ from, to string }{
	{"AM/PM", "PM"}, {"am/pm", "pm"},
	{"YYYY", "2006"}, {"YY", "06"},
	{"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "1"}, {"M", "1"},
	{"DD", "2"}, {"D", "2"},
	{"HH", "15"}, {"H", "15"}, {"hh", "3"}, {"h", "3"},
	{"mm", "04"}, {"m", "4"},
	{"ss", "05"}, {"s", "5"},
	{".SSS", ".000"}, {",SSS", ",000"},
	{"AM", "PM"}, {"PM", "PM"}, {"A", "PM"}, {"am", "pm"}, {"pm", "pm"}, {"a", "pm"},
	{"Z", "Z07:00"},
}

// Layout returns the Go layout of format. Month, day and hour read one
// or two digits whether written MM or M, DD or D, HH or H (exports drop
// the zero as often as not); minutes and seconds read two. A format
// using any of the
// tokens YYYY, YY, MMMM, MMM, MM, M, DD, D, HH, H, hh, h, mm, m, ss, s,
// .SSS, AM/PM (also AM, A, am/pm, am, a) and Z is converted, with
// spaces and the characters / - . : , T as literals; anything else (a
// format without Y, D or H, which Go's layouts never contain) must be a
// Go layout, checked by formatting and parsing a reference time.
func Layout(format string) (string, error) {
	if strings.TrimSpace(format) == "" {
		return "", fmt.Errorf("%w: empty", ErrFormat)
	}
	if !strings.ContainsAny(format, "YDH") {
		probe := time.Date(2024, 3, 9, 13, 4, 5, 0, time.UTC)
		if out := probe.Format(format); out == format {
			return "", fmt.Errorf("%w: %q has no YYYY, MM, DD, HH, mm or ss and is not a Go layout (write the reference time 2006-01-02 15:04:05)", ErrFormat, format)
		} else if _, err := time.Parse(format, out); err != nil {
			return "", fmt.Errorf("%w: %q is not a Go layout: %v", ErrFormat, format, err)
		}
		return format, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); {
		matched := false
		for _, t := range tokens {
			if strings.HasPrefix(format[i:], t.from) {
				b.WriteString(t.to)
				i += len(t.from)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := format[i]
		if strings.IndexByte(" /-.:,T", c) < 0 {
			return "", fmt.Errorf("%w: %q: unknown %q at position %d (use YYYY, MM, DD, HH, mm, ss, AM/PM, M, D, or a Go layout)", ErrFormat, format, string(c), i+1)
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), nil
}
