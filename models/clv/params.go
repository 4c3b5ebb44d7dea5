package clv

import (
	"math"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// Params are the clv model's parameters, config key models.clv.
type Params struct {
	// TimeUnit is the unit of the fitted rates: day or week.
	TimeUnit string `yaml:"time_unit"`
	// HorizonDays is the horizon of expected purchases and CLV, in days.
	HorizonDays int `yaml:"horizon_days"`
	// AnnualDiscountRate discounts future value, e.g. 0.1 for 10% a year.
	AnnualDiscountRate float64 `yaml:"annual_discount_rate"`
	// L2Penalty is an L2 penalty on the log-parameters of both fits (0 = plain maximum likelihood).
	L2Penalty float64 `yaml:"l2_penalty"`
	// MinRepeatBuyers is the fewest repeat buyers a fit accepts.
	MinRepeatBuyers int `yaml:"min_repeat_buyers"`
	// MaxSpendCorrelation is the largest absolute correlation of frequency
	// and mean spend the Gamma-Gamma fit accepts; above it the run fails.
	MaxSpendCorrelation float64 `yaml:"max_spend_correlation"`
}

// DefaultParams returns the parameters a config without models.clv gets.
func DefaultParams() Params {
	return Params{
		TimeUnit:            "week",
		HorizonDays:         365,
		AnnualDiscountRate:  0.1,
		MinRepeatBuyers:     50,
		MaxSpendCorrelation: 0.3,
	}
}

// Validate returns every problem of p as config.Errors naming
// models.clv.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	add := errs.Add
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if p.TimeUnit != "week" && p.TimeUnit != "day" {
		add("models.clv.time_unit", "must be day or week, got %q", p.TimeUnit)
	}
	if p.HorizonDays < 1 || p.HorizonDays > 3650 {
		add("models.clv.horizon_days", "must be between 1 and 3650, got %d", p.HorizonDays)
	}
	if !finite(p.AnnualDiscountRate) || p.AnnualDiscountRate < 0 || p.AnnualDiscountRate > 1 {
		add("models.clv.annual_discount_rate", "must be between 0 and 1, got %g", p.AnnualDiscountRate)
	}
	if !finite(p.L2Penalty) || p.L2Penalty < 0 {
		add("models.clv.l2_penalty", "must be a number >= 0, got %g", p.L2Penalty)
	}
	if p.MinRepeatBuyers < 1 {
		add("models.clv.min_repeat_buyers", "must be at least 1, got %d", p.MinRepeatBuyers)
	}
	if !finite(p.MaxSpendCorrelation) || p.MaxSpendCorrelation <= 0 || p.MaxSpendCorrelation > 1 {
		add("models.clv.max_spend_correlation", "must be in (0, 1], got %g", p.MaxSpendCorrelation)
	}
	return errs.Err()
}

// FromConfig decodes section (models.clv) over DefaultParams and returns
// the model, or the section's problems naming models.clv.<field>.
func FromConfig(section config.Params) (*CLV, error) {
	p := DefaultParams()
	if err := section.Decode("models.clv", &p); err != nil {
		return nil, err
	}
	return New(p)
}
