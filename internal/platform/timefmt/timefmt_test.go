package timefmt

import (
	"errors"
	"testing"
	"time"
)

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format, layout, in string
		want               time.Time
	}{
		{"MM/DD/YYYY HH:mm", "1/2/2006 15:04", "12/31/2025 14:05", time.Date(2025, 12, 31, 14, 5, 0, 0, time.UTC)},
		{"M/D/YYYY h:mm AM/PM", "1/2/2006 3:04 PM", "3/7/2025 2:05 PM", time.Date(2025, 3, 7, 14, 5, 0, 0, time.UTC)},
		{"D.M.YYYY H:mm:ss", "2.1.2006 15:04:05", "31.12.2025 9:05:07", time.Date(2025, 12, 31, 9, 5, 7, 0, time.UTC)},
		{"MM/DD/YYYY HH:mm", "1/2/2006 15:04", "1/2/2025 9:30", time.Date(2025, 1, 2, 9, 30, 0, 0, time.UTC)},
		{"YYYYMMDD", "200612", "20250109", time.Date(2025, 1, 9, 0, 0, 0, 0, time.UTC)},
		{"YYYY/MM/DD", "2006/1/2", "2025/01/09", time.Date(2025, 1, 9, 0, 0, 0, 0, time.UTC)},
		{"DD-MMM-YY", "2-Jan-06", "09-Mar-25", time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)},
		{"YYYY-MM-DDTHH:mm:ss.SSSZ", "2006-1-2T15:04:05.000Z07:00", "2025-01-09T10:00:00.250Z", time.Date(2025, 1, 9, 10, 0, 0, 250e6, time.UTC)},
		{"02/01/2006 15:04", "02/01/2006 15:04", "31/12/2025 14:05", time.Date(2025, 12, 31, 14, 5, 0, 0, time.UTC)},
	} {
		got, err := Layout(tt.format)
		if err != nil || got != tt.layout {
			t.Errorf("Layout(%q) = %q, %v; want %q", tt.format, got, err, tt.layout)
			continue
		}
		if at, err := time.Parse(got, tt.in); err != nil || !at.Equal(tt.want) {
			t.Errorf("%q parses %q as %v, %v; want %v", tt.format, tt.in, at, err, tt.want)
		}
	}
}

func TestLayoutRefuses(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"", "  ", "QQ/MM/YYYY", "DD/MM/YYYY @ HH", "hello", "YYYY年MM月"} {
		if got, err := Layout(f); !errors.Is(err, ErrFormat) {
			t.Errorf("Layout(%q) = %q, %v; want ErrFormat", f, got, err)
		}
	}
}
