package tiers

import (
	"fmt"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// Params are the tiers model's parameters, config key models.tiers.
type Params struct {
	// Levels from lowest to highest; the first level is the entry level
	// every member holds (its thresholds are ignored).
	Levels []Level `yaml:"levels"`
	// WindowDays is the rolling qualification window (365 = 12 months).
	WindowDays int `yaml:"window_days"`
	// ReviewDays is the grace period: a level is held this long from the
	// day it was reached (or last reviewed); at the review date a member
	// who still qualifies keeps it for another period, one who does not
	// moves down.
	ReviewDays int `yaml:"review_days"`
	// MaxDowngradeLevels is the most levels a member moves down at one
	// review (1 = one level per review).
	MaxDowngradeLevels int `yaml:"max_downgrade_levels"`
	// NearUpgrade is the share of the next level's threshold at or above
	// which a member is "near upgrade".
	NearUpgrade float64 `yaml:"near_upgrade"`
	// ConversionDays: a near-upgrade member converts when they move up
	// within this many days of being flagged (upgrade_conversion_rate).
	ConversionDays int `yaml:"conversion_days"`
	// RetentionDays: an upgraded member is retained when they place a paid
	// order within this many days after the upgrade; also the length of
	// the before and after periods of the upgrade effect comparison.
	RetentionDays int `yaml:"retention_days"`
}

// Level is one membership level and what qualifies for it. A zero
// threshold is not used; Rule says whether any or all used thresholds must
// be met.
type Level struct {
	Name          string  `yaml:"name"`
	MinSpend      float64 `yaml:"min_spend"`
	MinOrders     int     `yaml:"min_orders"`
	MinPoints     float64 `yaml:"min_points"`
	MinEngagement float64 `yaml:"min_engagement"`
	Rule          string  `yaml:"rule"`
}

// DefaultParams returns the parameters a config without models.tiers gets.
func DefaultParams() Params {
	return Params{
		Levels: []Level{
			{Name: "Bronze", Rule: "any"},
			{Name: "Silver", MinSpend: 500, MinOrders: 4, Rule: "any"},
			{Name: "Gold", MinSpend: 2000, MinOrders: 10, Rule: "any"},
			{Name: "Diamond", MinSpend: 5000, MinOrders: 20, Rule: "any"},
		},
		WindowDays:         365,
		ReviewDays:         365,
		MaxDowngradeLevels: 1,
		NearUpgrade:        0.8,
		ConversionDays:     90,
		RetentionDays:      90,
	}
}

// LevelNames returns the levels' names in lower case, lowest first: what
// the churn model's tier feature ranks a member's source tier by.
func (p Params) LevelNames() []string {
	out := make([]string, len(p.Levels))
	for i, l := range p.Levels {
		out[i] = strings.ToLower(l.Name)
	}
	return out
}

// Validate returns every problem of p as config.Errors naming
// models.tiers.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	add := errs.Add
	if len(p.Levels) < 2 {
		add("models.tiers.levels", "must list at least 2 levels, got %d", len(p.Levels))
	}
	names := map[string]bool{}
	for i, lv := range p.Levels {
		key := fmt.Sprintf("models.tiers.levels[%d]", i)
		if lv.Name == "" || names[lv.Name] {
			add(key+".name", "must be non-empty and unique, got %q", lv.Name)
		}
		names[lv.Name] = true
		if lv.Rule != "any" && lv.Rule != "all" {
			add(key+".rule", "must be any or all, got %q", lv.Rule)
		}
		if lv.MinSpend < 0 || lv.MinOrders < 0 || lv.MinPoints < 0 || lv.MinEngagement < 0 {
			add(key, "thresholds must not be negative")
		}
		if i > 0 && lv.MinSpend == 0 && lv.MinOrders == 0 && lv.MinPoints == 0 && lv.MinEngagement == 0 {
			add(key, "sets no threshold (min_spend, min_orders, min_points or min_engagement)")
		}
		if lv.MinEngagement > 100 {
			add(key+".min_engagement", "is a 0-100 score, got %g", lv.MinEngagement)
		}
	}
	if p.WindowDays < 1 {
		add("models.tiers.window_days", "must be at least 1, got %d", p.WindowDays)
	}
	if p.ReviewDays < 0 {
		add("models.tiers.review_days", "must not be negative, got %d", p.ReviewDays)
	}
	if p.MaxDowngradeLevels < 1 {
		add("models.tiers.max_downgrade_levels", "must be at least 1, got %d", p.MaxDowngradeLevels)
	}
	if p.ConversionDays < 1 || p.ConversionDays > 3650 {
		add("models.tiers.conversion_days", "must be between 1 and 3650, got %d", p.ConversionDays)
	}
	if p.RetentionDays < 1 || p.RetentionDays > 3650 {
		add("models.tiers.retention_days", "must be between 1 and 3650, got %d", p.RetentionDays)
	}
	if !(p.NearUpgrade > 0 && p.NearUpgrade < 1) {
		add("models.tiers.near_upgrade", "must be between 0 and 1 exclusive, got %g", p.NearUpgrade)
	}
	return errs.Err()
}

// FromConfig decodes section (models.tiers) over DefaultParams and
// returns the model, or the section's problems naming models.tiers.<field>.
func FromConfig(section config.Params) (*Tiers, error) {
	p := DefaultParams()
	if err := section.Decode("models.tiers", &p); err != nil {
		return nil, err
	}
	return New(p)
}
