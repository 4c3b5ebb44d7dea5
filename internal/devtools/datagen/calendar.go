package datagen

import (
	"math"
	"sort"
	"time"
)

const (
	secondsPerDay = 86400
	daysPerWeek   = 7
)

// calendar implements seasonality as a time warp.
//
// Every dated process (joins, BG/NBD purchases, sessions) is simulated in
// "operational time", measured in operational days, where it is a plain
// homogeneous process with the parameters written to truth.json. The
// warp maps operational time to calendar time with density
//
//	m(t) = Weekly[weekday(t)] * Yearly(date(t)) * Hourly[hour(t)]
//
// that is, one calendar day d lasts mult[d] = Weekly*Yearly operational
// days, spread over its hours in proportion to Hourly. Each factor has
// mean 1 (Weekly over a week, Yearly over a non-leap year, Hourly over a
// day), so over long windows an operational day is a calendar day on
// average, and a Poisson process of rate lambda per operational week is,
// in calendar time, an inhomogeneous Poisson process of rate
// lambda*m(t) whose long-run mean is lambda. The BG/NBD count of repeat
// purchases of a member observed from its first purchase at t0 until End
// is therefore exactly BG/NBD-distributed for the operational length
// op(End)-op(t0), which truth.json reports next to the calendar length
// (they differ by the seasonal mass of the particular window, well under
// 1% for whole years).
type calendar struct {
	startDay int64     // unix day of the first day covered
	mult     []float64 // operational days per calendar day
	cum      []float64 // cum[i] = sum(mult[:i]); len(mult)+1 entries
	hourW    [24]float64
	hourCum  [25]float64 // hourCum[h] = sum(hourW[:h]); hourCum[24] = 1
	yearly   [366]float64
}

// newCalendar covers the unix days from floor(start) to ceil(end).
func newCalendar(s Seasonality, start, end time.Time) *calendar {
	c := &calendar{}
	c.startDay = floorDiv(start.Unix(), secondsPerDay)
	endDay := floorDiv(end.Unix()+secondsPerDay-1, secondsPerDay)
	n := int(endDay - c.startDay)
	if n < 1 {
		n = 1
	}

	var wsum float64
	for _, w := range s.Weekly {
		wsum += w
	}
	var hsum float64
	for _, w := range s.Hourly {
		hsum += w
	}
	for h, w := range s.Hourly {
		c.hourW[h] = w / hsum
		c.hourCum[h+1] = c.hourCum[h] + c.hourW[h]
	}
	c.hourCum[24] = 1

	// Yearly factor per day of a non-leap year (index 0..364), normalised
	// to mean 1 over that year; Feb 29 reuses Feb 28 (index 365 is unused).
	var ysum float64
	ref := time.Date(2023, time.January, 1, 0, 0, 0, 0, time.UTC)
	for i := range 365 {
		d := ref.AddDate(0, 0, i)
		y := 1 + s.YearlyAmplitude*math.Cos(2*math.Pi*float64(i+1-s.YearlyPeakDay)/365)
		for _, h := range s.Holidays {
			if d.Month() == h.Month && d.Day() == h.Day {
				y *= h.Multiplier
			}
		}
		c.yearly[i] = y
		ysum += y
	}
	for i := range 365 {
		c.yearly[i] *= 365 / ysum
	}

	c.mult = make([]float64, n)
	c.cum = make([]float64, n+1)
	for i := range n {
		d := time.Unix((c.startDay+int64(i))*secondsPerDay, 0).UTC()
		weekday := (int(d.Weekday()) + 6) % 7 // Monday = 0
		c.mult[i] = s.Weekly[weekday] * 7 / wsum * c.yearly[yearIndex(d)]
		c.cum[i+1] = c.cum[i] + c.mult[i]
	}
	return c
}

// yearIndex maps a date to its index in the non-leap yearly table.
func yearIndex(d time.Time) int {
	i := d.YearDay() - 1
	if isLeap(d.Year()) && i >= 59 { // Feb 29 and later
		i--
	}
	return i
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// op returns the operational time, in operational days since the first
// covered day, of the unix time t (seconds, may be fractional).
func (c *calendar) op(t float64) float64 {
	x := t/secondsPerDay - float64(c.startDay)
	if x <= 0 {
		return x * c.mult[0]
	}
	d := int(x)
	if d >= len(c.mult) {
		return c.cum[len(c.mult)] + (x-float64(len(c.mult)))*c.mult[len(c.mult)-1]
	}
	hf := (x - float64(d)) * 24
	h := int(hf)
	if h > 23 {
		h = 23
	}
	return c.cum[d] + c.mult[d]*(c.hourCum[h]+c.hourW[h]*(hf-float64(h)))
}

// cal is the inverse of op: the unix time (seconds) of operational time o.
func (c *calendar) cal(o float64) float64 {
	n := len(c.mult)
	var x float64
	switch {
	case o <= 0:
		x = o / c.mult[0]
	case o >= c.cum[n]:
		x = float64(n) + (o-c.cum[n])/c.mult[n-1]
	default:
		// The day d with cum[d] <= o < cum[d+1].
		d := sort.Search(n, func(i int) bool { return c.cum[i+1] > o }) // 0 <= d < n
		phi := (o - c.cum[d]) / c.mult[d]
		h := sort.Search(24, func(i int) bool { return c.hourCum[i+1] > phi })
		if h > 23 {
			h = 23
		}
		within := (phi - c.hourCum[h]) / c.hourW[h]
		x = float64(d) + (float64(h)+within)/24
	}
	return (x + float64(c.startDay)) * secondsPerDay
}
