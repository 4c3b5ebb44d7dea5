package report

import (
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
	r.Params = map[string]map[string]float64{
		"rfm":               {"window_days": 365},
		"clv":               {"horizon_days": 730, "annual_discount_rate": 0.1, "time_unit_days": 7},
		"churn":             {"horizon_days": 90},
		"tiers":             {"window_days": 365},
		"lifecycle":         {"silent_days": 60, "sleeping_days": 120, "churned_days": 240},
		"potential":         {"decile_gap": 3},
		"points":            {"window_days": 30, "value_per_point": 0.01},
		"campaigns":         {"window_days": 14},
		"category_affinity": {"window_days": 365, "min_orders": 2},
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
