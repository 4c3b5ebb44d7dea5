package points

import (
	"context"
	_ "embed"
	"math"
	"strconv"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the points section of the report: the programme's liability
// and rates per tier, with the change from the previous as_of.
var Section = report.NewSection(report.SectionSpec{
	ID: "points",
	Sources: []report.Source{
		{Model: "points", Table: "points_programme", Columns: []string{"as_of", "tier", "members", "outstanding", "liability", "currency"}},
	},
	Queries: query.MustParse("points_report", reportSrc),
	Labels:  labels,
	Place:   200,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *Points) ReportSection() report.Section { return Section }

// Tier is the programme of one tier (or all) at the as_of, with the
// previous as_of's outstanding points and liability.
type Tier struct {
	Name                                                 string
	Members, Outstanding, Liability                      float64
	EarnPerActive, Redemption, Breakage, BreakageSettled float64 // NaN without a denominator
	OutstandingPrev, LiabilityPrev                       float64
	HasPrev                                              bool
}

// Figures are what the section shows.
type Figures struct {
	Missing []report.Missing
	// All is the whole programme; Tiers the tiers in level order.
	All   Tier
	Tiers []Tier
	// Currency is the model's currency of liability; WindowDays the
	// window of the rates.
	Currency   string
	WindowDays float64
}

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	p := &Figures{}
	if p.Missing, _ = in.Need("points_programme"); p.Missing != nil {
		return p, nil
	}
	prev := map[string]Tier{}
	err := in.Each(ctx, "programme", func(scan func(...any) error) error {
		var d, cur string
		var x Tier
		if err := scan(&d, &x.Name, &x.Members, &x.Outstanding, &x.Liability, &x.EarnPerActive, &x.Redemption,
			&x.Breakage, &x.BreakageSettled, &cur, &p.WindowDays); err != nil {
			return err
		}
		if d != in.AsOf {
			prev[x.Name] = x
			return nil
		}
		p.Currency = cur
		if x.Name == "all" {
			p.All = x
		} else {
			p.Tiers = append(p.Tiers, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	set := func(x *Tier) {
		if b, ok := prev[x.Name]; ok {
			x.OutstandingPrev, x.LiabilityPrev, x.HasPrev = b.Outstanding, b.Liability, true
		}
	}
	set(&p.All)
	for i := range p.Tiers {
		set(&p.Tiers[i])
	}
	return p, nil
}

func build(p *Figures, v report.View) []report.Block {
	s := report.Block{ID: "points", Title: v.T("points"), Notices: v.Notices(p.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	if p.Currency != "" {
		v.Currency = p.Currency
	}
	pct := func(x float64) string {
		if math.IsNaN(x) {
			return "–"
		}
		return v.Pct(x)
	}
	a := p.All
	s.Stats = []report.Stat{
		{Label: v.T("points_liability"), Value: v.Money(a.Liability), Sub: v.Delta(a.Liability, a.LiabilityPrev, a.HasPrev)},
		{Label: v.T("points_outstanding"), Value: v.Int(a.Outstanding), Sub: v.Delta(a.Outstanding, a.OutstandingPrev, a.HasPrev)},
		{Label: v.T("points_redemption_rate"), Value: pct(a.Redemption)},
		{Label: v.T("points_breakage_settled"), Value: pct(a.BreakageSettled)},
	}
	t := report.Table{Head: []string{v.T("points_tier"), v.T("members"), v.T("points_outstanding"), v.T("points_liability"),
		v.T("points_earn_per_active"), v.T("points_redemption_rate"), v.T("points_breakage_window"), v.T("points_breakage_settled")},
		Num: []bool{false, true, true, true, true, true, true, true}}
	var cats []string
	var now, before []float64
	hasPrev := true
	for _, x := range append([]Tier{a}, p.Tiers...) {
		name := v.Name(x.Name)
		if x.Name == "all" {
			name = v.T("points_all")
		}
		earn := "–"
		if !math.IsNaN(x.EarnPerActive) {
			earn = v.Dec(x.EarnPerActive, 1)
		}
		t.Rows = append(t.Rows, []string{name, v.Int(x.Members), v.Int(x.Outstanding), v.Money(x.Liability), earn,
			pct(x.Redemption), pct(x.Breakage), pct(x.BreakageSettled)})
		if x.Name != "all" {
			cats = append(cats, name)
			now = append(now, x.Liability)
			before = append(before, x.LiabilityPrev)
			hasPrev = hasPrev && x.HasPrev
		}
	}
	s.Tables = []report.Table{t}
	if len(cats) > 0 {
		prevDate, curDate := v.DateLabels()
		series := []report.Series{{Name: curDate, Values: now}}
		if hasPrev && prevDate != "" {
			series = append([]report.Series{{Name: prevDate, Values: before}}, series...)
		}
		s.Charts = []report.Chart{{Title: v.T("points_liability_by_tier"), SVG: report.Bars{Name: "points_liability", Label: v.T("points_liability_by_tier"),
			Categories: cats, Series: series, Value: v.Compact,
			XTitle: v.T("points_tier"), YTitle: v.Unit(v.T("points_liability"), v.MoneyUnit())}.SVG()}}
	}
	s.Defs = []report.Def{
		{Term: v.T("def_window"), Value: v.Param("points", "window_days", v.Days) + " · " + v.T("def_points_window")},
		{Term: v.T("def_value_per_point"), Value: v.Param("points", "value_per_point", v.Money) + " · " + v.T("def_value_per_point_text")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	s.Note = strings.ReplaceAll(v.T("points_note"), "{days}", strconv.FormatFloat(p.WindowDays, 'f', 0, 64))
	return []report.Block{s}
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"points":                   "Points programme",
		"points_all":               "All members",
		"points_tier":              "Tier",
		"points_liability":         "Points liability",
		"points_outstanding":       "Outstanding points",
		"points_redemption_rate":   "Redemption rate",
		"points_breakage_window":   "Breakage (window)",
		"points_breakage_settled":  "Breakage (settled)",
		"points_earn_per_active":   "Points earned per active member",
		"points_liability_by_tier": "Liability by tier",
		"points_note": "Liability = outstanding points × value per point. Over the last {days} days: redemption rate = points redeemed / points earned; " +
			"breakage (window) = points expired / points earned; points earned per member with a points event. Breakage (settled) = expired / (redeemed + expired) to date.",
		"def_points_window":        "window of the earn, redemption and breakage rates (models.points.window_days)",
		"def_value_per_point":      "Value per point",
		"def_value_per_point_text": "liability = outstanding points × value per point (models.points.value_per_point)",
	},
	report.Chinese: {
		"points":                   "积分计划",
		"points_all":               "全部会员",
		"points_tier":              "等级",
		"points_liability":         "积分负债",
		"points_outstanding":       "未兑换积分",
		"points_redemption_rate":   "兑换率",
		"points_breakage_window":   "过期率（窗口）",
		"points_breakage_settled":  "过期率（累计结清）",
		"points_earn_per_active":   "活跃会员人均获得积分",
		"points_liability_by_tier": "各等级积分负债",
		"points_note": "积分负债 = 未兑换积分 × 每积分价值。最近 {days} 天：兑换率 = 兑换积分 / 获得积分；过期率（窗口）= 过期积分 / 获得积分；" +
			"人均获得积分按有积分事件的会员计。过期率（累计结清）= 过期 /（兑换 + 过期），截至本期。",
		"def_points_window":        "获得率、兑换率与过期率的统计窗口（models.points.window_days）",
		"def_value_per_point":      "每积分价值",
		"def_value_per_point_text": "积分负债 = 未兑换积分 × 每积分价值（models.points.value_per_point）",
	},
}
