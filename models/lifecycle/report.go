package lifecycle

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the lifecycle section of the report: the members' flow
// between stages since the previous as_of.
var Section = report.NewSection(report.SectionSpec{
	ID: "lifecycle",
	Sources: []report.Source{
		{Model: "lifecycle", Table: "lifecycle", Columns: []string{"as_of", "member_id", "stage"}},
	},
	Queries: query.MustParse("lifecycle_report", reportSrc),
	Labels:  labels,
	Place:   150,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (*Lifecycle) ReportSection() report.Section { return Section }

// Flow is what the section shows: Counts[i][j] members went from stage
// From[i] ("" = not in the table before) to To[j].
type Flow struct {
	Missing []report.Missing
	HasPrev bool
	From    []string
	To      []string
	Counts  [][]float64
}

// stageOrder is the order of the lifecycle stages the models write; other
// stages follow in name order.
var stageOrder = []string{"prospect", "new", "active", "loyal", "silent", "sleeping", "churned"}

func read(ctx context.Context, in *report.Input) (*Flow, error) {
	f := &Flow{}
	var hp bool
	if f.Missing, hp = in.Need("lifecycle"); f.Missing != nil {
		return f, nil
	}
	f.HasPrev = hp
	type cell struct {
		from, to string
		n        float64
	}
	var cells []cell
	stages := map[string]bool{}
	err := in.Each(ctx, "flow", func(scan func(...any) error) error {
		var c cell
		if err := scan(&c.from, &c.to, &c.n); err != nil {
			return err
		}
		stages[c.to] = true
		if c.from != "" {
			stages[c.from] = true
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var names []string
	for s := range stages {
		names = append(names, s)
	}
	report.SortByOrder(names, func(s string) string { return s }, stageOrder)
	f.To = names
	f.From = append([]string{""}, names...)
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	f.Counts = make([][]float64, len(f.From))
	for i := range f.Counts {
		f.Counts[i] = make([]float64, len(f.To))
	}
	for _, c := range cells {
		i := 0
		if c.from != "" {
			i = pos[c.from] + 1
		}
		f.Counts[i][pos[c.to]] += c.n
	}
	return f, nil
}

func build(fl *Flow, v report.View) []report.Block {
	s := report.Block{ID: "lifecycle", Title: v.T("lifecycle"), Notices: v.Notices(fl.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	prevDate, curDate := v.DateLabels()
	if prevDate == "" {
		prevDate = v.T("no_previous")
	}
	s.Charts = []report.Chart{{Title: v.T("lifecycle_flow"), SVG: report.FlowChart{Name: "lifecycle_flow", Label: v.T("lifecycle_flow"), From: fl.From, To: fl.To, Counts: fl.Counts, Value: v.Compact, State: v.Name,
		FromTitle: prevDate, ToTitle: curDate}.SVG()}}
	s.Defs = []report.Def{
		{Term: v.Name("silent"), Value: fmt.Sprintf(v.T("def_stage_after"), v.Param("lifecycle", "silent_days", v.Days))},
		{Term: v.Name("sleeping"), Value: fmt.Sprintf(v.T("def_stage_after"), v.Param("lifecycle", "sleeping_days", v.Days))},
		{Term: v.Name("churned"), Value: fmt.Sprintf(v.T("def_stage_after"), v.Param("lifecycle", "churned_days", v.Days))},
		{Term: v.T("def_flow"), Value: v.T("def_flow_text")},
	}
	var to []string
	for _, x := range fl.To {
		to = append(to, v.Name(x))
	}
	t := report.Table{Head: append([]string{v.T("from") + " \\ " + v.T("to")}, to...)}
	t.Num = []bool{false}
	for range fl.To {
		t.Num = append(t.Num, true)
	}
	for i, from := range fl.From {
		row := []string{v.Name(from)}
		for _, x := range fl.Counts[i] {
			row = append(row, v.Int(x))
		}
		t.Rows = append(t.Rows, row)
	}
	s.Tables = []report.Table{t}
	return []report.Block{s}
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"lifecycle":       "Lifecycle",
		"lifecycle_flow":  "Stage flow since the previous as_of",
		"def_stage_after": "at or above %s since the last paid order",
		"def_flow":        "Flow",
		"def_flow_text":   "left: stage at the previous as_of ((none) = not in the table then); right: stage at this as_of",
	},
	report.Chinese: {
		"lifecycle":       "生命周期",
		"lifecycle_flow":  "与上期相比的阶段流转",
		"def_stage_after": "距上次已付订单不少于 %s",
		"def_flow":        "流转",
		"def_flow_text":   "左：上期阶段（（无）= 上期不在表中）；右：本期阶段",
	},
}
