package cohorts

import (
	"context"
	_ "embed"
	"math"
	"sort"
	"strconv"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the cohorts section of the report: the retention and
// revenue of the monthly cohorts by period, and their pooled average.
var Section = report.NewSection(report.SectionSpec{
	ID: "cohorts",
	Sources: []report.Source{
		{Model: "cohorts", Table: "cohorts", Columns: []string{"as_of", "period_type", "cohort", "period", "cohort_size", "active_members", "revenue"}},
	},
	Queries: query.MustParse("cohorts_report", reportSrc),
	Labels:  reportLabels,
	Place:   110,
}, readReport, buildReport)

// ReportSection returns Section (the report collects it from the registry).
func (m *Cohorts) ReportSection() report.Section { return Section }

// Row is one cohort: Active[p] and Revenue[p] for period p.
type Row struct {
	Cohort  string
	Size    float64
	Active  []float64
	Revenue []float64
}

// Figures are what the section shows, the most recent cohorts last.
type Figures struct {
	Missing []report.Missing
	Periods int
	Rows    []Row
}

// maxCohorts and maxPeriods bound the cohort heat map.
const maxCohorts, maxPeriods = 12, 13

func readReport(ctx context.Context, in *report.Input) (*Figures, error) {
	x := &Figures{}
	if x.Missing, _ = in.Need("cohorts"); x.Missing != nil {
		return x, nil
	}
	idx := map[string]int{}
	var rows []Row
	err := in.Each(ctx, "cohorts", func(scan func(...any) error) error {
		var c string
		var p, size, active, rev float64
		if err := scan(&c, &p, &size, &active, &rev); err != nil {
			return err
		}
		i, ok := idx[c]
		if !ok {
			i = len(rows)
			idx[c] = i
			rows = append(rows, Row{Cohort: c, Size: size})
		}
		pi := int(p)
		if pi < 0 || pi >= maxPeriods {
			return nil
		}
		row := &rows[i]
		for len(row.Active) <= pi {
			row.Active = append(row.Active, math.NaN())
			row.Revenue = append(row.Revenue, math.NaN())
		}
		row.Active[pi], row.Revenue[pi] = active, rev
		if pi+1 > x.Periods {
			x.Periods = pi + 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].Cohort < rows[b].Cohort })
	if len(rows) > maxCohorts {
		rows = rows[len(rows)-maxCohorts:]
	}
	x.Rows = rows
	return x, nil
}

func buildReport(x *Figures, v report.View) []report.Block {
	s := report.Block{ID: "cohorts", Title: v.T("cohorts"), Notices: v.Notices(x.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	var rows, cols []string
	var ret, rev [][]float64
	for p := 0; p < x.Periods; p++ {
		cols = append(cols, strconv.Itoa(p))
	}
	for _, c := range x.Rows {
		rows = append(rows, c.Cohort+" ("+v.Compact(c.Size)+")")
		a := make([]float64, x.Periods)
		r := make([]float64, x.Periods)
		for p := range a {
			a[p], r[p] = math.NaN(), math.NaN()
			if p < len(c.Active) && !math.IsNaN(c.Active[p]) {
				a[p] = report.Ratio(c.Active[p], c.Size)
				r[p] = c.Revenue[p]
			}
		}
		ret = append(ret, a)
		rev = append(rev, r)
	}
	avg := average(x)
	pct0 := func(p float64) string { return v.Dec(p*100, 0) + "%" }
	cohortTitle := v.Unit(v.T("cohort"), v.T("cohort_unit"))
	periodTitle := v.Unit(v.T("period"), v.T("months_since"))
	s.Defs = []report.Def{
		{Term: v.T("cohort"), Value: v.T("def_cohort")},
		{Term: v.T("period"), Value: v.T("def_period")},
		{Term: v.T("def_retention"), Value: v.T("def_retention_text")},
		{Term: v.T("cohort_average"), Value: v.T("def_cohort_average")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	s.Charts = []report.Chart{
		{Title: v.T("cohort_retention"), SVG: report.HeatMap{Name: "cohort_retention", Label: v.T("cohort_retention"), Rows: append(rows, v.T("cohort_average")), Cols: cols, RowTitle: cohortTitle, ColTitle: periodTitle, Values: append(ret, avg), Text: pct0}.SVG()},
		{Title: v.T("cohort_curve"), SVG: report.Bars{Name: "cohort_curve", Label: v.T("cohort_curve"), Categories: cols, Series: []report.Series{{Name: v.T("cohort_average"), Values: avg}}, Value: pct0, Lines: true,
			XTitle: periodTitle, YTitle: v.Unit(v.T("def_retention"), "%")}.SVG()},
		{Title: v.T("cohort_revenue"), SVG: report.HeatMap{Name: "cohort_revenue", Label: v.Unit(v.T("cohort_revenue"), v.MoneyUnit()), Rows: rows, Cols: cols, RowTitle: cohortTitle, ColTitle: periodTitle, Values: rev, Text: v.MoneyCompact}.SVG()},
	}
	t := report.Table{Head: []string{v.T("cohort"), v.Unit(v.T("cohort_size"), v.T("unit_count"))}, Num: []bool{false, true}}
	for _, c := range cols {
		t.Head = append(t.Head, v.T("period")+" "+c)
		t.Num = append(t.Num, true)
	}
	for i, c := range x.Rows {
		row := []string{c.Cohort, v.Int(c.Size)}
		for _, p := range ret[i] {
			row = append(row, v.Pct(p))
		}
		t.Rows = append(t.Rows, row)
	}
	avgRow := []string{v.T("cohort_average"), ""}
	for _, p := range avg {
		avgRow = append(avgRow, v.Pct(p))
	}
	t.Rows = append(t.Rows, avgRow)
	s.Tables = []report.Table{t}
	return []report.Block{s}
}

// average is the retention of the cohorts pooled, per period: the
// members active in period p over the sizes of the cohorts that have
// reached p (NaN when none has).
func average(x *Figures) []float64 {
	out := make([]float64, x.Periods)
	for p := range out {
		var active, size float64
		for _, row := range x.Rows {
			if p < len(row.Active) && !math.IsNaN(row.Active[p]) {
				active += row.Active[p]
				size += row.Size
			}
		}
		out[p] = report.Ratio(active, size)
	}
	return out
}

// reportLabels are the section's texts.
var reportLabels = map[report.Lang]map[string]string{
	report.English: {
		"cohorts":            "Cohort retention",
		"cohort_retention":   "Share of the cohort active, by period",
		"cohort_revenue":     "Revenue by cohort and period",
		"cohort":             "Cohort",
		"period":             "Period",
		"cohort_size":        "Size",
		"def_cohort":         "members grouped by the month of their first paid order (or of joining, models.cohorts.by)",
		"cohort_unit":        "month, size",
		"def_period":         "calendar months since the cohort month; 0 is the cohort month itself",
		"def_retention":      "Retention",
		"def_retention_text": "cohort members with a paid order in the period / cohort size",
		"cohort_average":     "Average",
		"def_cohort_average": "all cohorts pooled, weighted by size: active members / members of the cohorts that have reached the period",
		"cohort_curve":       "Average retention by months since the cohort month",
		"months_since":       "months since",
	},
	report.Chinese: {
		"cohorts":            "同期群留存",
		"cohort_retention":   "各期活跃会员占同期群比例",
		"cohort_revenue":     "各同期群各期销售额",
		"cohort":             "同期群",
		"period":             "期",
		"cohort_size":        "人数",
		"def_cohort":         "按首次付款订单所在月份分组的会员（或按入会月份，models.cohorts.by）",
		"cohort_unit":        "月份，人数",
		"def_period":         "距同期群月份的自然月数；0 即同期群当月",
		"def_retention":      "留存率",
		"def_retention_text": "该期有已付订单的同期群会员 / 同期群人数",
		"cohort_average":     "平均",
		"def_cohort_average": "所有同期群按人数加权合并：活跃会员 / 已到达该期的同期群总人数",
		"cohort_curve":       "按距同期群月份的平均留存率",
		"months_since":       "距今月数",
	},
}
