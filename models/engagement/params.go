package engagement

import "github.com/memberlytics/memberlytics/internal/platform/config"

// Params are the engagement model's parameters, config key models.engagement.
type Params struct {
	// Weights per event count over the last 90 days; the score is the
	// percentile of the member's weighted sum (0-100). points_earned is not
	// an engagement event (it mirrors orders) and is refused.
	Weights map[string]float64 `yaml:"weights"`
}

// Events are the event types the engagement model weighs (session counts
// distinct days with an event, see engagement.sql). points_earned is left
// out: it mirrors orders.
var Events = []string{"login", "session", "campaign_open", "campaign_click", "review", "share",
	"referral", "checkin", "points_redeemed", "nps_survey"}

// DefaultParams returns the parameters a config without models.engagement
// gets. A weights section in the file adds to or overrides these keys.
func DefaultParams() Params {
	return Params{Weights: map[string]float64{
		"login": 1, "session": 1, "campaign_open": 1, "campaign_click": 2,
		"review": 4, "share": 3, "referral": 8, "checkin": 2,
		"points_redeemed": 2, "nps_survey": 3,
	}}
}

// Validate returns p's problems as config.Errors naming
// models.engagement.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	known := map[string]bool{}
	for _, e := range Events {
		known[e] = true
	}
	for k, w := range p.Weights {
		if k == "points_earned" {
			errs.Add("models.engagement.weights.points_earned", "points_earned mirrors orders and is not an engagement event; remove it")
			continue
		}
		if !known[k] {
			errs.Add("models.engagement.weights."+k, "unknown event type; want one of %v", Events)
		}
		if w < 0 {
			errs.Add("models.engagement.weights."+k, "must not be negative, got %g", w)
		}
	}
	return errs.Err()
}

// FromConfig decodes section (models.engagement) over DefaultParams and
// returns the model, or the section's problems naming models.engagement.<field>.
func FromConfig(section config.Params) (*Engagement, error) {
	p := DefaultParams()
	if err := section.Decode("models.engagement", &p); err != nil {
		return nil, err
	}
	return New(p)
}
