package tiers

import (
	"context"
	_ "embed"
	"math"
	"sort"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the tiers section of the report: members per tier, the
// migration since the previous as_of and the upgrade rates the model
// recorded.
var Section = report.NewSection(report.SectionSpec{
	ID: "tiers",
	Sources: []report.Source{
		{Model: "tiers", Table: "tiers", Columns: []string{"as_of", "member_id", "tier", "tier_rank"}},
		{Model: "tiers", Table: "model_metrics", Columns: []string{"as_of", "model", "metric", "value"}},
	},
	Queries: query.MustParse("tiers_report", reportSrc),
	Labels:  labels,
	Place:   140,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (*Tiers) ReportSection() report.Section { return Section }

// Figures are what the section shows. Names are ordered from the entry
// level up; Matrix[i][j] counts members that were in From[i] and are now
// in Names[j], From[0] being "" (no row at the previous as_of).
type Figures struct {
	Missing    []report.Missing
	HasPrev    bool
	Names      []string
	Counts     []float64
	CountsPrev []float64
	From       []string
	Matrix     [][]float64
	// Upgraded and Downgraded count members who moved up or down a level
	// since the previous as_of.
	Upgraded, Downgraded float64
	// Conversion and Retention are the model's upgrade_conversion_rate
	// and upgrade_retention_rate with their bases (models/README.md
	// defines them); nil when not recorded.
	Conversion, Retention *Rate
}

// Rate is a share of Base members as the model recorded it.
type Rate struct{ Value, Base float64 }

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	t := &Figures{}
	var hp bool
	if t.Missing, hp = in.Need("tiers"); t.Missing != nil {
		return t, nil
	}
	t.HasPrev = hp
	type cell struct {
		from, to string
		n        float64
	}
	level := map[string]float64{}
	var cells []cell
	err := in.Each(ctx, "migration", func(scan func(...any) error) error {
		var c cell
		var fl, tl float64
		if err := scan(&c.from, &fl, &c.to, &tl, &c.n); err != nil {
			return err
		}
		level[c.to] = tl
		if c.from != "" {
			level[c.from] = fl
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name := range level {
		t.Names = append(t.Names, name)
	}
	sort.Slice(t.Names, func(a, b int) bool {
		la, lb := level[t.Names[a]], level[t.Names[b]]
		if la != lb {
			return la < lb
		}
		return t.Names[a] < t.Names[b]
	})
	pos := map[string]int{}
	for i, n := range t.Names {
		pos[n] = i
	}
	t.From = append([]string{""}, t.Names...)
	t.Counts = make([]float64, len(t.Names))
	t.CountsPrev = make([]float64, len(t.Names))
	t.Matrix = make([][]float64, len(t.From))
	for i := range t.Matrix {
		t.Matrix[i] = make([]float64, len(t.Names))
	}
	for _, c := range cells {
		j := pos[c.to]
		t.Counts[j] += c.n
		i := 0
		if c.from != "" {
			i = pos[c.from] + 1
			t.CountsPrev[pos[c.from]] += c.n
			switch {
			case level[c.to] > level[c.from]:
				t.Upgraded += c.n
			case level[c.to] < level[c.from]:
				t.Downgraded += c.n
			}
		}
		t.Matrix[i][j] += c.n
	}
	metrics, err := in.Metrics(ctx, "tiers")
	if err != nil {
		return nil, err
	}
	rate := func(k string) *Rate {
		if v, ok := metrics[k]; ok {
			return &Rate{Value: v, Base: metrics[k+"_base"]}
		}
		return nil
	}
	t.Conversion, t.Retention = rate("upgrade_conversion_rate"), rate("upgrade_retention_rate")
	return t, nil
}

func build(t *Figures, v report.View) []report.Block {
	s := report.Block{ID: "tiers", Title: v.T("tiers"), Notices: v.Notices(t.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	names := func(xs []string) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = v.Name(x)
		}
		return out
	}
	prevDate, curDate := v.DateLabels()
	series := []report.Series{{Name: curDate, Values: t.Counts}}
	if t.HasPrev {
		series = append([]report.Series{{Name: prevDate, Values: t.CountsPrev}}, series...)
	}
	s.Charts = []report.Chart{{Title: v.T("tier_distribution"), SVG: report.Bars{Name: "tier_distribution", Label: v.T("tier_distribution"), Categories: names(t.Names), Series: series, Value: v.Compact,
		XTitle: v.T("tier"), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()}}
	s.Defs = []report.Def{
		{Term: v.T("def_window"), Value: v.Param("tiers", "window_days", v.Days) + " · " + v.T("def_tier_window")},
		{Term: v.T("upgraded"), Value: v.T("def_upgraded")},
	}
	if t.HasPrev {
		s.Charts = append(s.Charts, report.Chart{Title: v.T("tier_migration"), SVG: report.HeatMap{Name: "tier_migration", Label: v.T("tier_migration"), Rows: names(t.From), Cols: names(t.Names), RowTitle: v.T("from"), ColTitle: v.T("to"), Values: t.Matrix, Text: v.Compact}.SVG()})
		s.Stats = []report.Stat{
			{Label: v.T("upgraded"), Value: v.Int(t.Upgraded)},
			{Label: v.T("downgraded"), Value: v.Int(t.Downgraded)},
		}
	}
	for _, r := range []struct {
		key  string
		rate *Rate
	}{{"upgrade_conversion", t.Conversion}, {"upgrade_retention", t.Retention}} {
		if r.rate != nil {
			s.Stats = append(s.Stats, report.Stat{Label: v.T(r.key), Value: v.Pct(r.rate.Value), Sub: v.Int(math.Round(r.rate.Value*r.rate.Base)) + " / " + v.Int(r.rate.Base)})
		}
	}
	return []report.Block{s}
}

// labels are the section's texts ("from" and "to" are the report's, which
// the lifecycle section shares).
var labels = map[report.Lang]map[string]string{
	report.English: {
		"tiers":              "Tiers",
		"tier_distribution":  "Members by tier",
		"tier_migration":     "Tier migration since the previous as_of",
		"upgrade_conversion": "Upgrade conversion",
		"upgraded":           "Upgraded",
		"upgrade_retention":  "Upgrade retention",
		"downgraded":         "Downgraded",
		"tier":               "Tier",
		"def_tier_window":    "rolling qualification window (models.tiers.window_days)",
		"def_upgraded":       "members now in a higher tier than at the previous as_of",
	},
	report.Chinese: {
		"tiers":              "会员等级",
		"tier_distribution":  "各等级会员数",
		"tier_migration":     "与上期相比的等级迁移",
		"upgrade_conversion": "升级转化率",
		"upgraded":           "升级",
		"upgrade_retention":  "升级后复购率",
		"downgraded":         "降级",
		"tier":               "等级",
		"def_tier_window":    "滚动定级窗口（models.tiers.window_days）",
		"def_upgraded":       "当前等级高于上期的会员",
	},
}
