package jobs

import (
	"strings"
	"testing"
	"time"
)

func TestNextRunsTimeZonesAndDST(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	utc := func(s string) time.Time { v, err := time.Parse(time.RFC3339, s); must(t, err); return v }
	tests := []struct {
		name string
		s    Schedule
		from string
		want []string // UTC
	}{
		{"UTC by default", Schedule{Cron: "0 3 * * *"}, "2026-03-28T00:00:00Z",
			[]string{"2026-03-28T03:00:00Z", "2026-03-29T03:00:00Z"}},
		{"Berlin, ordinary days: CET then CEST", Schedule{Cron: "0 3 * * *", Location: berlin}, "2026-03-28T00:00:00Z",
			[]string{"2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"}},
		// 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist that
		// day; the run is not lost but moved by the jump, to 03:30 CEST.
		{"Berlin spring forward runs after the jump", Schedule{Cron: "30 2 * * *", Location: berlin}, "2026-03-28T00:00:00Z",
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"}},
		// 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:30 happens twice, the job runs once.
		{"Berlin fall back runs once", Schedule{Cron: "30 2 * * *", Location: berlin}, "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		// 2026-03-08 02:00 EST jumps to 03:00 EDT: the nightly run happens at 03:00 EDT.
		{"New York spring forward runs after the jump", Schedule{Cron: "0 2 * * *", Location: newYork}, "2026-03-07T12:00:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"}},
		{"seconds field", Schedule{Cron: "*/2 * * * * *"}, "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T00:00:02Z", "2026-01-01T00:00:04Z"}},
	}
	for _, tt := range tests {
		got, err := NextRuns(tt.s, utc(tt.from), len(tt.want))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for i := range tt.want {
			if !got[i].Equal(utc(tt.want[i])) {
				t.Errorf("%s: run %d = %s, want %s (all: %v)", tt.name, i, got[i].UTC().Format(time.RFC3339), tt.want[i], got)
			}
		}
	}
	if err := ParseCron("61 * * * *", time.UTC); err == nil {
		t.Error("ParseCron accepted minute 61")
	}
}

func TestLastFire(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	now := time.Date(2026, 3, 10, 12, 30, 15, 0, time.UTC)
	tests := []struct {
		cron     string
		loc      *time.Location
		lookback time.Duration
		want     time.Time // zero: none
	}{
		{"0 3 * * *", nil, 48 * time.Hour, time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)},
		{"0 3 * * *", berlin, 48 * time.Hour, time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)},
		{"*/10 * * * * *", nil, time.Hour, time.Date(2026, 3, 10, 12, 30, 10, 0, time.UTC)},
		{"30 12 * * *", nil, time.Hour, time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC)},
		{"0 3 1 * *", nil, 48 * time.Hour, time.Time{}},
		{"0 3 1 * *", nil, 32 * 24 * time.Hour, time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, ok, err := LastFire(Schedule{Name: "s", Cron: tt.cron, Location: tt.loc}, now, tt.lookback)
		if err != nil || ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("LastFire(%q, %s) = %s, %v, %v; want %s", tt.cron, tt.lookback, got, ok, err, tt.want)
		}
	}
	if _, _, err := LastFire(Schedule{Name: "s", Cron: "61 * * * *"}, now, time.Hour); err == nil || !strings.Contains(err.Error(), `schedule s: cron "61 * * * *"`) {
		t.Errorf("LastFire on a bad expression: %v", err)
	}
}
