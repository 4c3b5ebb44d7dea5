package config

import "fmt"

// RFM configures the rfm model.
type RFM struct {
	// WindowDays is the frequency and monetary window ending at as_of.
	WindowDays int `yaml:"window_days"`
	// TrendDays is the length of each of the two periods the AOV trend compares.
	TrendDays int `yaml:"trend_days"`
	// Segments maps (R score, F score) cells to named segments; the first
	// rule containing a cell wins and every one of the 25 cells must be covered.
	Segments []RFMSegment `yaml:"segments"`
	// ValueLayers names the value layer of monetary scores 1..5 (5 entries).
	ValueLayers []string `yaml:"value_layers"`
	// LapsedSegment names the segment of lapsed buyers: buyers with no paid
	// order in the window, who are not scored (scores 0) and whose value
	// layer is the lowest. It must differ from every R/F map segment.
	LapsedSegment string `yaml:"lapsed_segment"`
}

// RFMSegment is one rule of the R/F map: R and F scores within [min, max].
type RFMSegment struct {
	Name string `yaml:"name"`
	R    []int  `yaml:"r"`
	F    []int  `yaml:"f"`
}

// Cohorts configures the cohorts model.
type Cohorts struct {
	// By is first_order (cohort = month of the first paid order) or join
	// (month of joined_at).
	By string `yaml:"by"`
}

// Engagement configures the engagement model.
type Engagement struct {
	// Weights per event count over the last 90 days; the score is the
	// percentile of the member's weighted sum (0-100). points_earned is not
	// an engagement event (it mirrors orders) and is refused.
	Weights map[string]float64 `yaml:"weights"`
}

// Lifecycle configures the lifecycle model.
type Lifecycle struct {
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

// Tiers configures the tiers model.
type Tiers struct {
	// Levels from lowest to highest; the first level is the entry level
	// every member holds (its thresholds are ignored).
	Levels []TierLevel `yaml:"levels"`
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

// TierLevel is one membership level and what qualifies for it. A zero
// threshold is not used; Rule says whether any or all used thresholds must
// be met.
type TierLevel struct {
	Name          string  `yaml:"name"`
	MinSpend      float64 `yaml:"min_spend"`
	MinOrders     int     `yaml:"min_orders"`
	MinPoints     float64 `yaml:"min_points"`
	MinEngagement float64 `yaml:"min_engagement"`
	Rule          string  `yaml:"rule"`
}

// defaultSegments sets the segmentation models' documented defaults in m.
func defaultSegments(m *Models) {
	seg := Models{
		RFM: RFM{
			WindowDays: 365,
			TrendDays:  90,
			// The classic R/F grid; Lost is the coldest corner of Hibernating.
			Segments: []RFMSegment{
				{Name: "Champions", R: []int{5, 5}, F: []int{4, 5}},
				{Name: "Loyal", R: []int{3, 4}, F: []int{4, 5}},
				{Name: "Potential Loyalist", R: []int{4, 5}, F: []int{2, 3}},
				{Name: "New", R: []int{5, 5}, F: []int{1, 1}},
				{Name: "Promising", R: []int{4, 4}, F: []int{1, 1}},
				{Name: "Need Attention", R: []int{3, 3}, F: []int{3, 3}},
				{Name: "About to Sleep", R: []int{3, 3}, F: []int{1, 2}},
				{Name: "Can't Lose Them", R: []int{1, 2}, F: []int{5, 5}},
				{Name: "At Risk", R: []int{1, 2}, F: []int{3, 4}},
				{Name: "Lost", R: []int{1, 1}, F: []int{1, 1}},
				{Name: "Hibernating", R: []int{1, 2}, F: []int{1, 2}},
			},
			ValueLayers:   []string{"low", "mid-low", "mid-low", "mid-high", "high"},
			LapsedSegment: "Lapsed",
		},
		Cohorts: Cohorts{By: "first_order"},
		Engagement: Engagement{Weights: map[string]float64{
			"login": 1, "session": 1, "campaign_open": 1, "campaign_click": 2,
			"review": 4, "share": 3, "referral": 8, "checkin": 2,
			"points_redeemed": 2, "nps_survey": 3,
		}},
		Lifecycle: Lifecycle{NewDays: 90, LoyalMinOrders: 4,
			SilentPercentile: 0.75, SleepingPercentile: 0.9, ChurnedPercentile: 0.95, Smoothing: 0.5},
		Tiers: Tiers{
			Levels: []TierLevel{
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
		},
	}
	m.RFM, m.Cohorts, m.Engagement, m.Lifecycle, m.Tiers = seg.RFM, seg.Cohorts, seg.Engagement, seg.Lifecycle, seg.Tiers
}

// EngagementEvents are the event types the engagement model weighs
// (session counts distinct days with an event, see sql/models/engagement.sql).
// points_earned is left out: it mirrors orders.
var EngagementEvents = []string{"login", "session", "campaign_open", "campaign_click", "review", "share",
	"referral", "checkin", "points_redeemed", "nps_survey"}

func validateSegments(m Models, add func(key, format string, args ...any)) {
	if m.RFM.WindowDays < 1 {
		add("models.rfm.window_days", "must be at least 1, got %d", m.RFM.WindowDays)
	}
	if m.RFM.TrendDays < 1 {
		add("models.rfm.trend_days", "must be at least 1, got %d", m.RFM.TrendDays)
	}
	var covered [5][5]bool
	for i, s := range m.RFM.Segments {
		key := fmt.Sprintf("models.rfm.segments[%d]", i)
		if s.Name == "" {
			add(key+".name", "must not be empty")
		}
		ok := true
		for _, p := range []struct {
			k string
			v []int
		}{{"r", s.R}, {"f", s.F}} {
			if len(p.v) != 2 || p.v[0] < 1 || p.v[1] > 5 || p.v[0] > p.v[1] {
				add(key+"."+p.k, "must be [min, max] with 1 <= min <= max <= 5, got %v", p.v)
				ok = false
			}
		}
		if ok {
			for r := s.R[0]; r <= s.R[1]; r++ {
				for f := s.F[0]; f <= s.F[1]; f++ {
					covered[r-1][f-1] = true
				}
			}
		}
	}
	for r := 0; r < 5; r++ {
		for f := 0; f < 5; f++ {
			if !covered[r][f] {
				add("models.rfm.segments", "cell r=%d f=%d is not covered by any segment", r+1, f+1)
				r, f = 5, 5
			}
		}
	}
	if m.RFM.LapsedSegment == "" {
		add("models.rfm.lapsed_segment", "must not be empty")
	}
	for _, s := range m.RFM.Segments {
		if s.Name == m.RFM.LapsedSegment && s.Name != "" {
			add("models.rfm.lapsed_segment", "must differ from the R/F map segments, got %q", s.Name)
			break
		}
	}
	if len(m.RFM.ValueLayers) != 5 {
		add("models.rfm.value_layers", "must name 5 layers (monetary scores 1..5), got %d", len(m.RFM.ValueLayers))
	}
	switch m.Cohorts.By {
	case "first_order", "join":
	default:
		add("models.cohorts.by", "must be first_order or join, got %q", m.Cohorts.By)
	}
	known := map[string]bool{}
	for _, e := range EngagementEvents {
		known[e] = true
	}
	for k, w := range m.Engagement.Weights {
		if k == "points_earned" {
			add("models.engagement.weights.points_earned", "points_earned mirrors orders and is not an engagement event; remove it")
			continue
		}
		if !known[k] {
			add("models.engagement.weights."+k, "unknown event type; want one of %v", EngagementEvents)
		}
		if w < 0 {
			add("models.engagement.weights."+k, "must not be negative, got %g", w)
		}
	}
	l := m.Lifecycle
	if l.NewDays < 1 {
		add("models.lifecycle.new_days", "must be at least 1, got %d", l.NewDays)
	}
	if l.LoyalMinOrders < 2 {
		add("models.lifecycle.loyal_min_orders", "must be at least 2, got %d", l.LoyalMinOrders)
	}
	if l.SilentDays < 0 || l.SleepingDays < 0 || l.ChurnedDays < 0 {
		add("models.lifecycle.silent_days", "silent_days, sleeping_days and churned_days must not be negative (0 = learn from data), got %d, %d and %d",
			l.SilentDays, l.SleepingDays, l.ChurnedDays)
	}
	last, lastKey := 0, ""
	for _, d := range []struct {
		key string
		v   int
	}{{"silent_days", l.SilentDays}, {"sleeping_days", l.SleepingDays}, {"churned_days", l.ChurnedDays}} {
		if d.v <= 0 {
			continue
		}
		if last > 0 && d.v <= last {
			add("models.lifecycle."+d.key, "must be greater than %s (%d), got %d", lastKey, last, d.v)
		}
		last, lastKey = d.v, d.key
	}
	if !(l.SilentPercentile > 0 && l.SilentPercentile < l.SleepingPercentile && l.SleepingPercentile < l.ChurnedPercentile && l.ChurnedPercentile < 1) {
		add("models.lifecycle.silent_percentile", "want 0 < silent_percentile < sleeping_percentile < churned_percentile < 1, got %g, %g and %g",
			l.SilentPercentile, l.SleepingPercentile, l.ChurnedPercentile)
	}
	if l.Smoothing < 0 || l.Smoothing >= 1 {
		add("models.lifecycle.smoothing", "must be at least 0 and below 1, got %g", l.Smoothing)
	}
	t := m.Tiers
	if len(t.Levels) < 2 {
		add("models.tiers.levels", "must list at least 2 levels, got %d", len(t.Levels))
	}
	names := map[string]bool{}
	for i, lv := range t.Levels {
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
	if t.WindowDays < 1 {
		add("models.tiers.window_days", "must be at least 1, got %d", t.WindowDays)
	}
	if t.ReviewDays < 0 {
		add("models.tiers.review_days", "must not be negative, got %d", t.ReviewDays)
	}
	if t.MaxDowngradeLevels < 1 {
		add("models.tiers.max_downgrade_levels", "must be at least 1, got %d", t.MaxDowngradeLevels)
	}
	if t.ConversionDays < 1 || t.ConversionDays > 3650 {
		add("models.tiers.conversion_days", "must be between 1 and 3650, got %d", t.ConversionDays)
	}
	if t.RetentionDays < 1 || t.RetentionDays > 3650 {
		add("models.tiers.retention_days", "must be between 1 and 3650, got %d", t.RetentionDays)
	}
	if !(t.NearUpgrade > 0 && t.NearUpgrade < 1) {
		add("models.tiers.near_upgrade", "must be between 0 and 1 exclusive, got %g", t.NearUpgrade)
	}
}
