package cohorts

import "github.com/memberlytics/memberlytics/internal/platform/config"

// Params are the cohorts model's parameters, config key models.cohorts.
type Params struct {
	// By is first_order (cohort = month of the first paid order) or join
	// (month of joined_at).
	By string `yaml:"by"`
}

// DefaultParams returns the parameters a config without models.cohorts gets.
func DefaultParams() Params { return Params{By: "first_order"} }

// Validate returns p's problems as config.Errors naming
// models.cohorts.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	switch p.By {
	case "first_order", "join":
	default:
		errs.Add("models.cohorts.by", "must be first_order or join, got %q", p.By)
	}
	return errs.Err()
}

// FromConfig decodes section (models.cohorts) over DefaultParams and
// returns the model, or the section's problems naming models.cohorts.<field>.
func FromConfig(section config.Params) (*Cohorts, error) {
	p := DefaultParams()
	if err := section.Decode("models.cohorts", &p); err != nil {
		return nil, err
	}
	return New(p)
}
