package config

import (
	"fmt"
	"math"
)

// Models configures the models' own parameters; each model reads its
// subsection. Keys are documented in deploy/memberlytics.example.yaml.
type Models struct {
	// CLV is the customer lifetime value model (clv).
	CLV CLV `yaml:"clv"`
	// Churn is the churn prediction model (churn).
	Churn Churn `yaml:"churn"`
	// Potential is the high-potential members model (potential).
	Potential Potential `yaml:"potential"`

	// The segmentation models (segments.go).
	RFM        RFM        `yaml:"rfm"`
	Cohorts    Cohorts    `yaml:"cohorts"`
	Engagement Engagement `yaml:"engagement"`
	Lifecycle  Lifecycle  `yaml:"lifecycle"`
	Tiers      Tiers      `yaml:"tiers"`

	// Models that own their parameters type (models/<name>/) keep their
	// section as written and decode it themselves (Params.Decode).
	Campaigns        Params `yaml:"campaigns"`
	Points           Params `yaml:"points"`
	Occasions        Params `yaml:"occasions"`
	CategoryAffinity Params `yaml:"category_affinity"`
	NextCategory     Params `yaml:"next_category"`
	KPIBreakdown     Params `yaml:"kpi_breakdown"`
}

// CLV configures the BG/NBD + Gamma-Gamma lifetime value model.
type CLV struct {
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

// Churn configures the churn prediction model.
type Churn struct {
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

// Potential configures the high-potential members model.
type Potential struct {
	// DecileGap: flag members whose CLV decile is at least this many deciles above their past-spend decile.
	DecileGap int `yaml:"decile_gap"`
	// TrendDays is the window compared with the one before it for rising order value and frequency.
	TrendDays int `yaml:"trend_days"`
}

func defaultModels() Models {
	m := Models{
		CLV: CLV{
			TimeUnit:            "week",
			HorizonDays:         365,
			AnnualDiscountRate:  0.1,
			MinRepeatBuyers:     50,
			MaxSpendCorrelation: 0.3,
		},
		Churn: Churn{
			HorizonDays:       90,
			TrainingCap:       500_000,
			L2:                1e-4,
			L2Candidates:      []float64{1e-4, 1e-3, 1e-2, 1e-1, 1},
			RiskBandQuantiles: []float64{0.4, 0.7, 0.9},
			MaxInactiveDays:   365,
			Seed:              1,
		},
		Potential: Potential{DecileGap: 3, TrendDays: 90},
	}
	defaultSegments(&m)
	return m
}

func validateModels(m Models, add func(key, format string, args ...any)) {
	validateSegments(m, add)
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	c := m.CLV
	if c.TimeUnit != "week" && c.TimeUnit != "day" {
		add("models.clv.time_unit", "must be day or week, got %q", c.TimeUnit)
	}
	if c.HorizonDays < 1 || c.HorizonDays > 3650 {
		add("models.clv.horizon_days", "must be between 1 and 3650, got %d", c.HorizonDays)
	}
	if !finite(c.AnnualDiscountRate) || c.AnnualDiscountRate < 0 || c.AnnualDiscountRate > 1 {
		add("models.clv.annual_discount_rate", "must be between 0 and 1, got %g", c.AnnualDiscountRate)
	}
	if !finite(c.L2Penalty) || c.L2Penalty < 0 {
		add("models.clv.l2_penalty", "must be a number >= 0, got %g", c.L2Penalty)
	}
	if c.MinRepeatBuyers < 1 {
		add("models.clv.min_repeat_buyers", "must be at least 1, got %d", c.MinRepeatBuyers)
	}
	if !finite(c.MaxSpendCorrelation) || c.MaxSpendCorrelation <= 0 || c.MaxSpendCorrelation > 1 {
		add("models.clv.max_spend_correlation", "must be in (0, 1], got %g", c.MaxSpendCorrelation)
	}
	h := m.Churn
	if h.HorizonDays < 1 || h.HorizonDays > 730 {
		add("models.churn.horizon_days", "must be between 1 and 730, got %d", h.HorizonDays)
	}
	if h.TrainingCap < 100 {
		add("models.churn.training_cap", "must be at least 100, got %d", h.TrainingCap)
	}
	if !finite(h.L2) || h.L2 < 0 {
		add("models.churn.l2", "must be a number >= 0, got %g", h.L2)
	}
	for i, v := range h.L2Candidates {
		if !finite(v) || v < 0 {
			add(fmt.Sprintf("models.churn.l2_candidates[%d]", i), "must be a number >= 0, got %g", v)
		}
	}
	ascending := func(v []float64) bool {
		return len(v) == 3 && v[0] > 0 && v[0] < v[1] && v[1] < v[2] && v[2] < 1
	}
	if h.RiskBands != nil && !ascending(h.RiskBands) {
		add("models.churn.risk_bands", "must be three ascending probabilities strictly between 0 and 1, got %v", h.RiskBands)
	}
	if !ascending(h.RiskBandQuantiles) {
		add("models.churn.risk_band_quantiles", "must be three ascending shares strictly between 0 and 1, got %v", h.RiskBandQuantiles)
	}
	if h.MaxInactiveDays != 0 && h.MaxInactiveDays < h.HorizonDays {
		add("models.churn.max_inactive_days", "must be 0 (no limit) or at least horizon_days (%d), got %d", h.HorizonDays, h.MaxInactiveDays)
	}
	p := m.Potential
	if p.DecileGap < 1 || p.DecileGap > 9 {
		add("models.potential.decile_gap", "must be between 1 and 9, got %d", p.DecileGap)
	}
	if p.TrendDays < 7 || p.TrendDays > 365 {
		add("models.potential.trend_days", "must be between 7 and 365, got %d", p.TrendDays)
	}
}
