package potential

import (
	"context"
	_ "embed"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the high-potential section of the report: members flagged
// per reason, with the previous as_of's counts.
var Section = report.NewSection(report.SectionSpec{
	ID: "potential",
	Sources: []report.Source{
		{Model: "potential", Table: "potential", Columns: []string{"as_of", "member_id", "reason"}},
	},
	Queries: query.MustParse("potential_report", reportSrc),
	Labels:  labels,
	Place:   160,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *Potential) ReportSection() report.Section { return Section }

// Reason counts members flagged for one reason.
type Reason struct {
	Name                 string
	Members, MembersPrev float64
}

// Figures are what the section shows.
type Figures struct {
	Missing      []report.Missing
	HasPrev      bool
	Reasons      []Reason
	Any, AnyPrev float64
}

// reasonOrder is the order of the potential reasons the model writes.
var reasonOrder = []string{"clv_above_spend", "engaged_low_spend", "rising_value"}

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	p := &Figures{}
	var hp bool
	if p.Missing, hp = in.Need("potential"); p.Missing != nil {
		return p, nil
	}
	p.HasPrev = hp
	err := in.Each(ctx, "reasons", func(scan func(...any) error) error {
		var x Reason
		if err := scan(&x.Name, &x.Members, &x.MembersPrev); err != nil {
			return err
		}
		if x.Name == "" {
			p.Any, p.AnyPrev = x.Members, x.MembersPrev
		} else if x.Members > 0 || x.MembersPrev > 0 {
			p.Reasons = append(p.Reasons, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	report.SortByOrder(p.Reasons, func(x Reason) string { return x.Name }, reasonOrder)
	return p, nil
}

func build(p *Figures, v report.View) []report.Block {
	s := report.Block{ID: "potential", Title: v.T("potential"), Notices: v.Notices(p.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	var cats []string
	var now, before []float64
	for _, x := range p.Reasons {
		cats = append(cats, v.Name(x.Name))
		now = append(now, x.Members)
		before = append(before, x.MembersPrev)
	}
	prevDate, curDate := v.DateLabels()
	series := []report.Series{{Name: curDate, Values: now}}
	if p.HasPrev {
		series = append([]report.Series{{Name: prevDate, Values: before}}, series...)
	}
	s.Stats = []report.Stat{{Label: v.T("any_reason"), Value: v.Int(p.Any), Sub: v.Delta(p.Any, p.AnyPrev, p.HasPrev)}}
	s.Charts = []report.Chart{{Title: v.T("potential_by_reason"), SVG: report.Bars{Name: "potential_reasons", Label: v.T("potential_by_reason"), Categories: cats, Series: series, Value: v.Compact,
		XTitle: v.T("reason"), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()}}
	s.Defs = []report.Def{
		{Term: v.T("def_decile_gap"), Value: v.Param("potential", "decile_gap", v.Int)},
		{Term: v.T("any_reason"), Value: v.T("def_any_reason")},
	}
	return []report.Block{s}
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"potential":           "High-potential members",
		"potential_by_reason": "Members by reason",
		"any_reason":          "Any reason",
		"reason":              "Reason",
		"def_decile_gap":      "Decile gap",
		"def_any_reason":      "members flagged for at least one reason (a member can have several)",
		"v.clv_above_spend":   "CLV well above past spend",
		"v.rising_value":      "Rising order value",
	},
	report.Chinese: {
		"potential":           "高潜力会员",
		"potential_by_reason": "按原因的会员数",
		"any_reason":          "任一原因",
		"reason":              "原因",
		"def_decile_gap":      "十分位差",
		"def_any_reason":      "至少因一个原因被标记的会员（一人可有多个原因）",
		"v.clv_above_spend":   "终身价值远高于历史消费",
		"v.rising_value":      "客单价上升",
	},
}
