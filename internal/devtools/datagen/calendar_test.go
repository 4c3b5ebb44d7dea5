package datagen

import (
	"math"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func opBetween(c *calendar, a, b time.Time) float64 {
	return c.op(float64(b.Unix())) - c.op(float64(a.Unix()))
}

func TestCalendarMeansAreOne(t *testing.T) {
	noYear := DefaultSeasonality()
	noYear.YearlyAmplitude, noYear.Holidays = 0, nil
	flatWeek := DefaultSeasonality()
	for i := range flatWeek.Weekly {
		flatWeek.Weekly[i] = 3 // any constant
	}
	tests := []struct {
		name   string
		season Seasonality
		from   time.Time
		to     time.Time
		want   float64
	}{
		{"any week, weekly and hourly only", noYear, day(2024, 3, 6), day(2024, 3, 13), 7},
		{"another week", noYear, day(2025, 11, 8), day(2025, 11, 15), 7},
		{"non-leap year, yearly and hourly only", flatWeek, day(2025, 1, 1), day(2026, 1, 1), 365},
		{"leap year adds Feb 29 at Feb 28's weight", flatWeek, day(2024, 1, 1), day(2025, 1, 1), 366},
		{"flat", FlatSeasonality(), day(2024, 1, 1), day(2025, 1, 1), 366},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(tt.season, day(2023, 6, 1), day(2027, 1, 1))
			got := opBetween(c, tt.from, tt.to)
			want := tt.want
			if tt.name == "leap year adds Feb 29 at Feb 28's weight" {
				want = 365 + c.yearly[yearIndex(day(2024, 2, 28))]
			}
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("operational days = %.12f, want %v", got, want)
			}
		})
	}

	// Both together: whole years come within the weekly imbalance of the
	// one extra weekday.
	c := newCalendar(DefaultSeasonality(), day(2023, 1, 1), day(2027, 1, 1))
	if got := opBetween(c, day(2023, 1, 1), day(2024, 1, 1)); math.Abs(got-365) > 365*0.005 {
		t.Errorf("2023 lasts %v operational days, want 365 within 0.5%%", got)
	}
	// The hourly weights split a flat day.
	s := FlatSeasonality()
	s.Hourly = DefaultSeasonality().Hourly
	c = newCalendar(s, day(2024, 1, 1), day(2024, 1, 3))
	var sum float64
	for _, w := range s.Hourly {
		sum += w
	}
	if got, want := opBetween(c, day(2024, 1, 2), day(2024, 1, 2).Add(13*time.Hour)), sumOf(s.Hourly[:13])/sum; math.Abs(got-want) > 1e-9 {
		t.Errorf("the first 13 hours last %v operational days, want %v", got, want)
	}
}

func sumOf(w []float64) float64 {
	var s float64
	for _, x := range w {
		s += x
	}
	return s
}

func TestCalendarInverse(t *testing.T) {
	start, end := day(2024, 1, 1), day(2026, 1, 1)
	c := newCalendar(DefaultSeasonality(), start, end)
	g := newRNG()
	g.reset(3, 0, 0)
	prev := math.Inf(-1)
	for i := range 20000 {
		// Increasing times over the window and a little beyond it.
		tt := float64(start.Unix()) - 86400 + float64(i)/20000*float64(end.Unix()-start.Unix()+2*86400) + g.Float64()
		o := c.op(tt)
		if o <= prev {
			t.Fatalf("op is not increasing at %v", tt)
		}
		prev = o
		if back := c.cal(o); math.Abs(back-tt) > 1e-3 {
			t.Fatalf("cal(op(%v)) = %v", tt, back)
		}
	}
}

func TestFlatCalendarIsIdentity(t *testing.T) {
	start := day(2024, 1, 1)
	c := newCalendar(FlatSeasonality(), start, day(2025, 1, 1))
	for _, d := range []float64{0, 0.25, 17.5, 200.123} {
		tt := float64(start.Unix()) + d*secondsPerDay
		if got := c.op(tt); math.Abs(got-d) > 1e-9 {
			t.Errorf("op(start + %v days) = %v", d, got)
		}
	}
}
