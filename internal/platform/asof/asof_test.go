package asof

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2024-03-09", time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC), false},
		{"2024-3-9", time.Time{}, true},
		{"09/03/2024", time.Time{}, true},
		{"", time.Time{}, true},
	} {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && err.Error() != `parse as_of "`+tt.in+`": want YYYY-MM-DD` {
			t.Errorf("Parse(%q) error %q does not name the value and the form", tt.in, err)
		}
	}
}

func TestFormatAndDay(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	late := time.Date(2024, 3, 9, 23, 30, 0, 0, ny)
	if got := Format(late); got != "2024-03-09" {
		t.Errorf("Format = %s, want 2024-03-09", got)
	}
	if got := Day(late); !got.Equal(time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Day = %v, want 2024-03-09 UTC", got)
	}
}
