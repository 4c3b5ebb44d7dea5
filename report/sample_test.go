package report

import (
	"math"
	"time"
)

// sampleReport is a filled report for rendering tests, independent of
// ClickHouse.
func sampleReport() *Report {
	r := &Report{
		AsOf:        time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		Prev:        time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC),
		GeneratedAt: time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC),
		KPIs: []KPI{
			{Key: "kpi_members", Kind: Count, Cur: 125400, Prev: 121000, HasPrev: true},
			{Key: "kpi_active", Kind: Count, Cur: 40210, Prev: 41800, HasPrev: true},
			{Key: "kpi_arpu", Kind: Money, Cur: 356.2, Prev: 349.9, HasPrev: true},
			{Key: "kpi_repurchase", Kind: Share, Cur: 0.412, Prev: 0.405, HasPrev: true},
			{Key: "kpi_churn_rate", Kind: Share, Cur: 0.183, Prev: 0.176, HasPrev: true, LowerIsBetter: true},
			{Key: "kpi_avg_clv", Kind: Money, Cur: 512.75},
		},
	}
	r.Churn.HasPrev = true
	r.Churn.Bands = []Band{{"low", 5000, 5200}, {"medium", 3000, 2900}, {"high", 1500, 1400}, {"critical", 500, 450}}
	for i := range r.Churn.Hist {
		r.Churn.Hist[i] = float64(1000 - 80*i)
	}
	q := &Quality{AUC: 0.78, BaselineAUC: 0.71, LiftTop: 2.4}
	for d := 1; d <= 10; d++ {
		q.Predicted = append(q.Predicted, float64(d)/11)
		q.Observed = append(q.Observed, float64(d)/11+0.02*math.Sin(float64(d)))
		q.Lift = append(q.Lift, 2.4-float64(d-1)*0.2)
	}
	r.Churn.Quality = q
	r.Tiers = Tiers{HasPrev: true, Names: []string{"Bronze", "Silver", "Gold", "Diamond"}, From: []string{"", "Bronze", "Silver", "Gold", "Diamond"},
		Counts: []float64{8000, 3000, 900, 100}, CountsPrev: []float64{8200, 2900, 850, 95},
		Matrix:   [][]float64{{300, 0, 0, 0}, {7600, 500, 100, 0}, {100, 2450, 300, 50}, {0, 50, 490, 10}, {0, 0, 10, 40}},
		Upgraded: 960, Downgraded: 160, Conversion: &Rate{0.084, 11450}, Retention: &Rate{0.8, 500}}
	r.Lifecycle = Flow{HasPrev: true, From: []string{"", "new", "active", "sleeping", "churned"}, To: []string{"new", "active", "sleeping", "churned"},
		Counts: [][]float64{{900, 0, 0, 0}, {200, 600, 100, 0}, {0, 3000, 800, 50}, {0, 300, 1500, 400}, {0, 20, 0, 2000}}}
	r.Breakdown = sampleBreakdown()
	r.Potential = Potential{HasPrev: true, Any: 2300, AnyPrev: 2100, Reasons: []PotentialReason{{"clv_above_spend", 1200, 1100}, {"engaged_low_spend", 800, 700}, {"rising_value", 500, 450}}}
	r.Params = map[string]map[string]float64{
		"rfm":               {"window_days": 365},
		"clv":               {"horizon_days": 730, "annual_discount_rate": 0.1, "time_unit_days": 7},
		"churn":             {"horizon_days": 90},
		"tiers":             {"window_days": 365},
		"lifecycle":         {"silent_days": 60, "sleeping_days": 120, "churned_days": 240},
		"potential":         {"decile_gap": 3},
		"engagement":        {"weight_login": 1, "weight_review": 3},
		"points":            {"window_days": 30, "value_per_point": 0.01},
		"campaigns":         {"window_days": 14},
		"category_affinity": {"window_days": 365, "min_orders": 2},
		"kpi_breakdown":     {"window_days": 365, "active_days": 90},
	}
	r.Engagement = Engagement{HasPrev: true,
		Cur:  EngagementFigures{Members: 125400, Active30: 40100, Active90: 70200, AvgScore: 48.2, EngagedLowSpend: 3100, Events: []float64{9e4, 2e5, 5e4, 1e4, 3e3, 2e3, 800, 4e3, 900}},
		Prev: EngagementFigures{Members: 121000, Active30: 39000, Active90: 69000, AvgScore: 47.5, EngagedLowSpend: 3000, Events: []float64{8.5e4, 1.9e5, 4.8e4, 9e3, 2.8e3, 2e3, 700, 3.9e3, 850}}}
	for i := range r.Engagement.Scores {
		r.Engagement.Scores[i] = 12540
	}
	for i, d := range []string{"2026-11-06", "2026-11-13", "2026-11-20"} {
		x := float64(i)
		r.Trends = append(r.Trends, []Trend{
			{Key: "kpi_members", Kind: Count, Points: []Point{{d, 118000 + 3700*x}}},
			{Key: "kpi_arpu", Kind: Money, Points: []Point{{d, 343 + 6.5*x}}},
			{Key: "kpi_repurchase", Kind: Share, Points: []Point{{d, 0.398 + 0.007*x}}},
		}...)
	}
	r.Trends = mergeTrends(r.Trends)
	r.Filters.Slices = []Slice{
		{"region", "North", Figures{60000, 20000, 30000, 9e6, 3e7, 30000, 9000, 30000}},
		{"region", "South <b>", Figures{65400, 20210, 31000, 9.5e6, 3.2e7, 31000, 9500, 31000}},
		{"channel", "app", Figures{80000, 30000, 40000, 1.2e7, 4e7, 40000, 12000, 40000}},
		{"channel", "", Figures{45400, 10210, 21000, 6.5e6, 2.2e7, 21000, 6500, 21000}},
		{"tier", "Gold", Figures{125400, 40210, 61000, 1.85e7, 6.2e7, 61000, 18500, 61000}},
	}
	for _, sl := range r.Filters.Slices {
		if sl.Dim == "tier" {
			r.Filters.Total = sl.Figures
		}
	}
	nan := math.NaN()
	r.Campaigns = Campaigns{Rows: []CampaignRow{
		{Campaign: "C1", Evidence: "randomised", Group: "control", Members: 633, Conversion: 0.0806, RPM: 20, Uplift: nan, Lo: nan, Hi: nan, P: nan, RPMUplift: nan, RPMP: nan, Incremental: nan, ROI: nan, Complete: true},
		{Campaign: "C1", Evidence: "randomised", Group: "treatment", Members: 5552, Conversion: 0.1034, RPM: 25, Uplift: 0.0228, Lo: 0.0002, Hi: 0.0461, P: 0.0711, RPMUplift: 5.18, RPMP: 0.41, Incremental: 28778, ROI: 102.7, Complete: true},
		{Campaign: "C9", Evidence: "pre_post", Group: "treatment", Members: 5552, Conversion: 0.1034, RPM: 25, Uplift: 0.0366, Lo: 0.0222, Hi: 0.0510, P: 0.0001, RPMUplift: nan, RPMP: nan, Incremental: nan, ROI: nan, SRM: true},
	}, Funnel: []FunnelStep{
		{Campaign: "C1", Group: "treatment", Step: "flagged", Members: 432, OfFlagged: 1, OfPrev: 1, Uplift: nan, UpliftP: nan},
		{Campaign: "C1", Group: "treatment", Step: "upgraded", Members: 28, OfFlagged: 0.065, OfPrev: 0.55, Uplift: 0.04, UpliftP: 0.3},
	}}
	return r
}

// mergeTrends joins trends of the same key, keeping their points in order.
func mergeTrends(ts []Trend) []Trend {
	var out []Trend
	idx := map[string]int{}
	for _, t := range ts {
		i, ok := idx[t.Key]
		if !ok {
			idx[t.Key] = len(out)
			out = append(out, Trend{Key: t.Key, Kind: t.Kind})
			i = len(out) - 1
		}
		out[i].Points = append(out[i].Points, t.Points...)
	}
	return out
}
