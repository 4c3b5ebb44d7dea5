package loaders

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) int64 {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.Unix()
	}
	tests := []struct {
		in      string
		loc     *time.Location
		layouts []string
		want    int64
		wantErr bool
	}{
		{"2024-03-01T12:34:56Z", time.UTC, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01T12:34:56Z", sh, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01T20:34:56+08:00", time.UTC, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01T12:34:56.789Z", time.UTC, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01 12:34:56", time.UTC, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01 20:34:56", sh, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01T20:34:56", sh, nil, utc("2024-03-01T12:34:56Z"), false},
		{"2024-03-01", time.UTC, nil, utc("2024-03-01T00:00:00Z"), false},
		{"2024-03-01", sh, nil, utc("2024-02-29T16:00:00Z"), false},
		{"20240301", time.UTC, nil, utc("2024-03-01T00:00:00Z"), false},
		{"1709296496", time.UTC, nil, 1709296496, false},
		{" 2024-03-01 12:34:56 ", time.UTC, nil, utc("2024-03-01T12:34:56Z"), false},
		{"01/03/2024 20:34", sh, []string{"02/01/2006 15:04"}, utc("2024-03-01T12:34:00Z"), false},
		{"2024-02-30", time.UTC, nil, 0, true},
		{"2024-13-01 00:00:00", time.UTC, nil, 0, true},
		{"1969-12-31T23:59:59Z", time.UTC, nil, 0, true},
		{"2200-01-01", time.UTC, nil, 0, true},
		{"yesterday", time.UTC, nil, 0, true},
		{"", time.UTC, nil, 0, true},
	}
	for _, tt := range tests {
		p := &timeParser{loc: tt.loc, layouts: tt.layouts}
		got, err := p.parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parse(%q, %s) = %d, %v; want %d, err %v", tt.in, tt.loc, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	p := &timeParser{loc: time.UTC}
	tests := []struct {
		in   string
		want int32
		err  error
	}{
		{"1970-01-02", 1, nil},
		{"19700102", 1, nil},
		{"2024-03-01T23:00:00Z", 19783, nil},
		{"1963-03-02", 0, errDateRange},
		{"1996-02-30", 0, errTimeSyntax},
	}
	for _, tt := range tests {
		got, err := p.parseDate(tt.in)
		if err != tt.err || (err == nil && got != tt.want) {
			t.Errorf("parseDate(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseCents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"123.45", 12345, false},
		{"123.4", 12340, false},
		{"123", 12300, false},
		{"-0.01", -1, false},
		{"+5.5", 550, false},
		{".5", 50, false},
		{"1.005", 101, false},
		{"1.004", 100, false},
		{"1e2", 10000, false},
		{"9999999999999999.99", 999999999999999999, false},
		{"10000000000000000", 0, true},
		{"12,50", 0, true},
		{"", 0, true},
		{"-", 0, true},
		{"abc", 0, true},
		{"1.2.3", 0, true},
	}
	for _, tt := range tests {
		got, err := parseCents(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseCents(%q) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, c := range []int64{0, 1, -1, 12345, -12345, 100} {
		if got, err := parseCents(formatCents(c)); err != nil || got != c {
			t.Errorf("parseCents(formatCents(%d)) = %d, %v", c, got, err)
		}
	}
}

func TestDaysFromCivil(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2105, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := daysFromCivil(d.Year(), int(d.Month()), d.Day()), d.Unix()/86400; got != want {
			t.Errorf("daysFromCivil(%s) = %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
}
