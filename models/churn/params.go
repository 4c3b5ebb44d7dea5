package churn

import (
	"fmt"
	"math"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/models/clv"
)

// Params are the churn model's parameters, config key models.churn.
type Params struct {
	// HorizonDays is H: a member churned when no paid order follows within H days.
	HorizonDays int `yaml:"horizon_days"`
	// TrainingCap is the most rows the model trains (and validates) on; larger populations are sampled.
	TrainingCap int `yaml:"training_cap"`
	// L2 is the L2 penalty of the logistic regression on standardised
	// features when L2Candidates is empty.
	L2 float64 `yaml:"l2"`
	// L2Candidates are the penalties tried: each is fitted at as_of - 2H
	// and the one with the lowest out-of-time log loss at as_of - H is used.
	L2Candidates []float64 `yaml:"l2_candidates"`
	// RiskBandQuantiles are the three ascending shares of scored buyers at
	// or below which the low, medium and high bands end (the rest is
	// critical): the cut points are these quantiles of the predicted churn
	// probabilities. The default [0.4, 0.7, 0.9] puts about 40/30/20/10% of
	// recent buyers in low/medium/high/critical.
	RiskBandQuantiles []float64 `yaml:"risk_band_quantiles"`
	// RiskBands, when set, are three fixed ascending churn-probability cut
	// points used instead of RiskBandQuantiles.
	RiskBands []float64 `yaml:"risk_bands"`
	// MaxInactiveDays: buyers whose last paid order is more than this many
	// days before as_of are lapsed: reported with risk_band lapsed, not
	// scored, and left out of training (0 = no limit).
	MaxInactiveDays int `yaml:"max_inactive_days"`
	// Seed seeds the training sample.
	Seed uint64 `yaml:"seed"`
}

// DefaultParams returns the parameters a config without models.churn gets.
func DefaultParams() Params {
	return Params{
		HorizonDays:       90,
		TrainingCap:       500_000,
		L2:                1e-4,
		L2Candidates:      []float64{1e-4, 1e-3, 1e-2, 1e-1, 1},
		RiskBandQuantiles: []float64{0.4, 0.7, 0.9},
		MaxInactiveDays:   365,
		Seed:              1,
	}
}

// Validate returns every problem of p as config.Errors naming
// models.churn.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	add := errs.Add
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if p.HorizonDays < 1 || p.HorizonDays > 730 {
		add("models.churn.horizon_days", "must be between 1 and 730, got %d", p.HorizonDays)
	}
	if p.TrainingCap < 100 {
		add("models.churn.training_cap", "must be at least 100, got %d", p.TrainingCap)
	}
	if !finite(p.L2) || p.L2 < 0 {
		add("models.churn.l2", "must be a number >= 0, got %g", p.L2)
	}
	for i, v := range p.L2Candidates {
		if !finite(v) || v < 0 {
			add(fmt.Sprintf("models.churn.l2_candidates[%d]", i), "must be a number >= 0, got %g", v)
		}
	}
	ascending := func(v []float64) bool {
		return len(v) == 3 && v[0] > 0 && v[0] < v[1] && v[1] < v[2] && v[2] < 1
	}
	if p.RiskBands != nil && !ascending(p.RiskBands) {
		add("models.churn.risk_bands", "must be three ascending probabilities strictly between 0 and 1, got %v", p.RiskBands)
	}
	if !ascending(p.RiskBandQuantiles) {
		add("models.churn.risk_band_quantiles", "must be three ascending shares strictly between 0 and 1, got %v", p.RiskBandQuantiles)
	}
	if p.MaxInactiveDays != 0 && p.MaxInactiveDays < p.HorizonDays {
		add("models.churn.max_inactive_days", "must be 0 (no limit) or at least horizon_days (%d), got %d", p.HorizonDays, p.MaxInactiveDays)
	}
	return errs.Err()
}

// FromConfig decodes section (models.churn) over DefaultParams and returns
// the model (see New), or the section's problems naming
// models.churn.<field>.
func FromConfig(section config.Params, purchases *clv.CLV, tierNames []string) (*Churn, error) {
	p := DefaultParams()
	if err := section.Decode("models.churn", &p); err != nil {
		return nil, err
	}
	return New(p, purchases, tierNames)
}
