package clv

import (
	"errors"
	"math"
	"testing"
)

// TestCLVPoissonLimit uses parameters under which BG/NBD degenerates to a
// Poisson process with a known rate and no dropout (r huge with r/alpha =
// 0.5 a week, mean dropout probability a/(a+b) = 2e-9), so expected
// purchases in (T, T+t] are 0.5 t and the discounted sum of the spec can
// be written by hand: monthly steps, 10% a year, AOV 20.
func TestCLVPoissonLimit(t *testing.T) {
	m := BGNBDParams{R: 1e7, Alpha: 2e7, A: 2, B: 1e9}
	spec := CLVSpec{Unit: Week, HorizonDays: 365, AnnualDiscountRate: 0.1}
	const aov, lambdaPerDay = 20.0, 0.5 / 7
	want, prev := 0.0, 0.0
	for k := 1; k <= 12; k++ {
		tk := math.Min(float64(k)*365.25/12, 365)
		want += aov * lambdaPerDay * (tk - prev) * math.Pow(1.1, -tk/365.25)
		prev = tk
	}
	got := spec.Value(m, 0, 0, 1, aov)
	if !(math.Abs(got.CLV-want) <= 1e-5*want) {
		t.Errorf("CLV = %.8g, hand-computed %.8g", got.CLV, want)
	}
	if wantE := lambdaPerDay * 365; !(math.Abs(got.ExpectedPurchases-wantE) <= 1e-5*wantE) {
		t.Errorf("E[Y(365 days)] = %.8g, want %.8g", got.ExpectedPurchases, wantE)
	}
}

// TestCLVUnitInvariance values the same customer with weekly parameters
// and data and with the equivalent daily ones (rates divided by 7:
// alpha times 7, times times 7): the values must agree.
func TestCLVUnitInvariance(t *testing.T) {
	week := BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	day := week
	day.Alpha *= 7
	ws := CLVSpec{Unit: Week, HorizonDays: 730, AnnualDiscountRate: 0.08}
	ds := ws
	ds.Unit = Day
	for _, c := range []struct {
		x     int
		tx, T float64
	}{{0, 0, 30}, {2, 30.43, 38.86}, {10, 34.14, 38.86}} {
		w := ws.Value(week, c.x, c.tx, c.T, 35)
		d := ds.Value(day, c.x, 7*c.tx, 7*c.T, 35)
		for _, p := range [][2]float64{{w.CLV, d.CLV}, {w.ExpectedPurchases, d.ExpectedPurchases}, {w.ProbAlive, d.ProbAlive}} {
			if !(math.Abs(p[0]-p[1]) <= 1e-9*math.Abs(p[0])) {
				t.Errorf("x=%d: week %+v, day %+v", c.x, w, d)
				break
			}
		}
	}
}

// TestCLVDiscounting checks the identity at d = 0 (CLV = AOV * E[Y(H)],
// and E[Y(H)] is the model's conditional expectation) and the bounds for
// d > 0: every purchase is discounted by a factor between 1 and
// (1+d)^(-H/365.25).
func TestCLVDiscounting(t *testing.T) {
	m := BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	x, tx, T, aov := 2, 30.43, 38.86, 30.0
	undisc := CLVSpec{HorizonDays: 365}.Value(m, x, tx, T, aov)
	wantE := m.ConditionalExpectedPurchases(365.0/7, x, tx, T)
	if !(math.Abs(undisc.ExpectedPurchases-wantE) <= 1e-12*wantE) || !(math.Abs(undisc.CLV-aov*wantE) <= 1e-9*aov*wantE) {
		t.Errorf("d=0: %+v, want E = %g, CLV = %g", undisc, wantE, aov*wantE)
	}
	disc := CLVSpec{HorizonDays: 365, AnnualDiscountRate: 0.2}.Value(m, x, tx, T, aov)
	lo := undisc.CLV * math.Pow(1.2, -365/365.25)
	if !(disc.CLV < undisc.CLV && disc.CLV > lo) {
		t.Errorf("d=0.2: CLV = %g, want in (%g, %g)", disc.CLV, lo, undisc.CLV)
	}
}

func TestCLVSpecAndTimeUnit(t *testing.T) {
	s, err := CLVSpec{}.WithDefaults()
	if err != nil || s.HorizonDays != 365 || s.StepDays != 365.25/12 || s.Unit != Week {
		t.Errorf("defaults = %+v, %v", s, err)
	}
	for _, bad := range []CLVSpec{{HorizonDays: -1}, {StepDays: math.Inf(1)}, {AnnualDiscountRate: -0.1}, {Unit: 7}} {
		if _, err := bad.WithDefaults(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("WithDefaults(%+v) = %v, want ErrInvalidParams", bad, err)
		}
	}
	for _, tt := range []struct {
		s    string
		want TimeUnit
		days float64
	}{{"week", Week, 7}, {"day", Day, 1}} {
		u, err := ParseTimeUnit(tt.s)
		if err != nil || u != tt.want || u.Days() != tt.days || u.String() != tt.s {
			t.Errorf("ParseTimeUnit(%q) = %v (%g days), %v", tt.s, u, u.Days(), err)
		}
	}
	if _, err := ParseTimeUnit("month"); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("ParseTimeUnit(month) err = %v", err)
	}
}

func TestCLVInvalidInput(t *testing.T) {
	good := BGNBDParams{R: 1, Alpha: 1, A: 1, B: 1}
	for _, c := range []struct {
		m    BGNBDParams
		spec CLVSpec
		x    int
		tx   float64
	}{
		{BGNBDParams{}, CLVSpec{}, 1, 1},
		{good, CLVSpec{HorizonDays: -5}, 1, 1},
		{good, CLVSpec{}, 1, 50}, // recency after T
	} {
		v := c.spec.Value(c.m, c.x, c.tx, 10, 20)
		if !math.IsNaN(v.CLV) || !math.IsNaN(v.ProbAlive) || !math.IsNaN(v.ExpectedPurchases) {
			t.Errorf("Value(%+v, %+v, x=%d, tx=%g) = %+v, want NaN fields", c.m, c.spec, c.x, c.tx, v)
		}
	}
}
