package potential

import "github.com/memberlytics/memberlytics/internal/platform/config"

// Params are the potential model's parameters, config key models.potential.
type Params struct {
	// DecileGap: flag members whose CLV decile is at least this many deciles above their past-spend decile.
	DecileGap int `yaml:"decile_gap"`
	// TrendDays is the window compared with the one before it for rising order value and frequency.
	TrendDays int `yaml:"trend_days"`
}

// DefaultParams returns the parameters a config without models.potential gets.
func DefaultParams() Params { return Params{DecileGap: 3, TrendDays: 90} }

// Validate returns p's problems as config.Errors naming
// models.potential.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	if p.DecileGap < 1 || p.DecileGap > 9 {
		errs.Add("models.potential.decile_gap", "must be between 1 and 9, got %d", p.DecileGap)
	}
	if p.TrendDays < 7 || p.TrendDays > 365 {
		errs.Add("models.potential.trend_days", "must be between 7 and 365, got %d", p.TrendDays)
	}
	return errs.Err()
}

// FromConfig decodes section (models.potential) over DefaultParams and
// returns the model, or the section's problems naming models.potential.<field>.
func FromConfig(section config.Params) (*Potential, error) {
	p := DefaultParams()
	if err := section.Decode("models.potential", &p); err != nil {
		return nil, err
	}
	return New(p)
}
