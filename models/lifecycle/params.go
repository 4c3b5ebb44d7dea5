package lifecycle

import "github.com/memberlytics/memberlytics/internal/platform/config"

// Params are the lifecycle model's parameters, config key models.lifecycle.
type Params struct {
	// NewDays: a member whose first paid order is this recent is new.
	NewDays int `yaml:"new_days"`
	// LoyalMinOrders: an active member with at least this many paid orders is loyal.
	LoyalMinOrders int `yaml:"loyal_min_orders"`
	// SilentDays, SleepingDays and ChurnedDays are the days since the last
	// paid order from which a buyer is silent (沉默), sleeping (睡眠) and
	// churned (流失). 0 = learn it: the matching percentile of the
	// Kaplan-Meier time to the next purchase day, where each buyer's open
	// gap since the last purchase is a censored observation.
	SilentDays         int     `yaml:"silent_days"`
	SleepingDays       int     `yaml:"sleeping_days"`
	ChurnedDays        int     `yaml:"churned_days"`
	SilentPercentile   float64 `yaml:"silent_percentile"`
	SleepingPercentile float64 `yaml:"sleeping_percentile"`
	ChurnedPercentile  float64 `yaml:"churned_percentile"`
	// Smoothing is the weight of the previous as_of's published thresholds
	// in a learned threshold: round(s x previous + (1 - s) x learned), so
	// thresholds move slowly between runs (0 = no smoothing).
	Smoothing float64 `yaml:"smoothing"`
}

// DefaultParams returns the parameters a config without models.lifecycle gets.
func DefaultParams() Params {
	return Params{NewDays: 90, LoyalMinOrders: 4,
		SilentPercentile: 0.75, SleepingPercentile: 0.9, ChurnedPercentile: 0.95, Smoothing: 0.5}
}

// Validate returns p's problems as config.Errors naming
// models.lifecycle.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	add := errs.Add
	if p.NewDays < 1 {
		add("models.lifecycle.new_days", "must be at least 1, got %d", p.NewDays)
	}
	if p.LoyalMinOrders < 2 {
		add("models.lifecycle.loyal_min_orders", "must be at least 2, got %d", p.LoyalMinOrders)
	}
	if p.SilentDays < 0 || p.SleepingDays < 0 || p.ChurnedDays < 0 {
		add("models.lifecycle.silent_days", "silent_days, sleeping_days and churned_days must not be negative (0 = learn from data), got %d, %d and %d",
			p.SilentDays, p.SleepingDays, p.ChurnedDays)
	}
	last, lastKey := 0, ""
	for _, d := range []struct {
		key string
		v   int
	}{{"silent_days", p.SilentDays}, {"sleeping_days", p.SleepingDays}, {"churned_days", p.ChurnedDays}} {
		if d.v <= 0 {
			continue
		}
		if last > 0 && d.v <= last {
			add("models.lifecycle."+d.key, "must be greater than %s (%d), got %d", lastKey, last, d.v)
		}
		last, lastKey = d.v, d.key
	}
	if !(p.SilentPercentile > 0 && p.SilentPercentile < p.SleepingPercentile && p.SleepingPercentile < p.ChurnedPercentile && p.ChurnedPercentile < 1) {
		add("models.lifecycle.silent_percentile", "want 0 < silent_percentile < sleeping_percentile < churned_percentile < 1, got %g, %g and %g",
			p.SilentPercentile, p.SleepingPercentile, p.ChurnedPercentile)
	}
	if p.Smoothing < 0 || p.Smoothing >= 1 {
		add("models.lifecycle.smoothing", "must be at least 0 and below 1, got %g", p.Smoothing)
	}
	return errs.Err()
}

// FromConfig decodes section (models.lifecycle) over DefaultParams and
// returns the model, or the section's problems naming models.lifecycle.<field>.
func FromConfig(section config.Params) (*Lifecycle, error) {
	p := DefaultParams()
	if err := section.Decode("models.lifecycle", &p); err != nil {
		return nil, err
	}
	return New(p)
}
