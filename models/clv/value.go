package clv

import (
	"fmt"
	"math"
)

// TimeUnit is the unit in which customer times are measured and in which
// the fitted BG/NBD rates are expressed. The zero value is Week, the
// default of the clv model.
type TimeUnit int

// The supported time units.
const (
	Week TimeUnit = iota
	Day
)

// DaysPerYear is the length of the year used to convert annual discount
// rates and horizons.
const DaysPerYear = 365.25

// ParseTimeUnit parses "day" or "week" (as written in configuration).
func ParseTimeUnit(s string) (TimeUnit, error) {
	switch s {
	case "week":
		return Week, nil
	case "day":
		return Day, nil
	}
	return 0, fmt.Errorf("time unit %q: want \"day\" or \"week\": %w", s, ErrInvalidParams)
}

// String returns "week" or "day".
func (u TimeUnit) String() string {
	if u == Day {
		return "day"
	}
	return "week"
}

// Days returns the length of one unit in days (7 or 1).
func (u TimeUnit) Days() float64 {
	if u == Day {
		return 1
	}
	return 7
}

// CLVSpec says how to value a customer over a horizon. Zero fields take the
// defaults documented on each field.
//
// Discretisation: the horizon of H days is cut into K = ceil(H / S) steps
// of S days (the last may be shorter), with end points t_k = min(k S, H).
// The expected purchases in step k are E[Y(t_k)] - E[Y(t_(k-1))], from
// BGNBDParams.ConditionalExpectedPurchases, and they are discounted as if
// made at the end of the step with the annual rate d converted to the
// elapsed time, (1+d)^(-t_k/365.25); for monthly steps that is the
// monthly rate (1+d)^(1/12) - 1 compounded k times. So
//
//	CLV = AOV * sum_k [E[Y(t_k)] - E[Y(t_(k-1))]] * (1+d)^(-t_k/365.25)
//
// and with d = 0 it is exactly AOV * E[Y(H)].
type CLVSpec struct {
	// Unit is the time unit of the fitted BG/NBD parameters.
	Unit TimeUnit
	// HorizonDays is H, the horizon in days. Default 365.
	HorizonDays float64
	// StepDays is S, the discounting step in days. Default 365.25/12 (a
	// month).
	StepDays float64
	// AnnualDiscountRate is d >= 0 (0.1 for 10% a year). Default 0.
	AnnualDiscountRate float64
}

// WithDefaults returns s with zero fields replaced by their defaults and
// an error wrapping ErrInvalidParams for negative or non-finite values.
func (s CLVSpec) WithDefaults() (CLVSpec, error) {
	if s.HorizonDays == 0 {
		s.HorizonDays = 365
	}
	if s.StepDays == 0 {
		s.StepDays = DaysPerYear / 12
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"horizon_days", s.HorizonDays}, {"step_days", s.StepDays}, {"annual_discount_rate", s.AnnualDiscountRate + 1}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			return s, fmt.Errorf("clv spec %s must be positive and finite: %w", f.name, ErrInvalidParams)
		}
	}
	if s.AnnualDiscountRate < 0 {
		return s, fmt.Errorf("clv spec annual_discount_rate = %g must be >= 0: %w", s.AnnualDiscountRate, ErrInvalidParams)
	}
	if s.Unit != Week && s.Unit != Day {
		return s, fmt.Errorf("clv spec unit %d: %w", int(s.Unit), ErrInvalidParams)
	}
	return s, nil
}

// CustomerValue is the valuation of one customer.
type CustomerValue struct {
	// ProbAlive is P(alive at T).
	ProbAlive float64
	// ExpectedPurchases is E[Y(H)], the undiscounted expected purchases
	// over the horizon.
	ExpectedPurchases float64
	// CLV is the discounted value over the horizon (see CLVSpec).
	CLV float64
}

// Value values a customer with BG/NBD history (x, t_x, T), in model time
// units, and expected average order value aov (normally
// GammaGammaParams.ConditionalExpectedValue). Fields are NaN when the
// inputs are outside the model's domain; spec must have been through
// WithDefaults (Value applies them again, and returns NaN fields if they fail).
// Cost: one 2F1 evaluation per step.
func (s CLVSpec) Value(m BGNBDParams, x int, tx, T, aov float64) CustomerValue {
	s, err := s.WithDefaults()
	if err != nil {
		return CustomerValue{ProbAlive: math.NaN(), ExpectedPurchases: math.NaN(), CLV: math.NaN()}
	}
	unit := s.Unit.Days()
	v := CustomerValue{ProbAlive: m.ProbAlive(x, tx, T)}
	if math.IsNaN(v.ProbAlive) { // invalid parameters or history
		return CustomerValue{ProbAlive: math.NaN(), ExpectedPurchases: math.NaN(), CLV: math.NaN()}
	}
	prev, clv := 0.0, 0.0
	for k := 1; ; k++ {
		tk := math.Min(float64(k)*s.StepDays, s.HorizonDays)
		// ConditionalExpectedPurchases without re-validating and
		// recomputing P(alive) at every step.
		e := m.alivePurchases(float64(x), T, tk/unit) * v.ProbAlive
		clv += (e - prev) * math.Pow(1+s.AnnualDiscountRate, -tk/DaysPerYear)
		prev = e
		if tk >= s.HorizonDays {
			break
		}
	}
	v.ExpectedPurchases = prev
	v.CLV = aov * clv
	return v
}
