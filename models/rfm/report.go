package rfm

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the RFM section of the report: members and revenue per
// recency x frequency score cell, and the named segments with their
// change from the previous as_of.
var Section = report.NewSection(report.SectionSpec{
	ID: "rfm",
	Sources: []report.Source{
		{Model: "rfm", Table: "rfm", Columns: []string{"as_of", "r_score", "f_score", "monetary", "segment", "recency_days", "frequency"}},
	},
	Queries: query.MustParse("rfm_report", reportSrc),
	Labels:  reportLabels,
	Place:   100,
}, readReport, buildReport)

// ReportSection returns Section (the report collects it from the registry).
func (m *RFM) ReportSection() report.Section { return Section }

// Cell is one R x F cell of the RFM grid.
type Cell struct{ Members, Revenue float64 }

// SegmentRow is one named RFM segment at the as_of.
type SegmentRow struct {
	Name                 string
	Members, MembersPrev float64
	Revenue              float64
	Recency, Frequency   float64
}

// Figures are what the section shows: Cells[r-1][f-1] for scores 1..5.
type Figures struct {
	Missing  []report.Missing
	HasPrev  bool
	Cells    [5][5]Cell
	Segments []SegmentRow
}

func readReport(ctx context.Context, in *report.Input) (*Figures, error) {
	x := &Figures{}
	var hp bool
	if x.Missing, hp = in.Need("rfm"); x.Missing != nil {
		return x, nil
	}
	x.HasPrev = hp
	err := in.Each(ctx, "grid", func(scan func(...any) error) error {
		var rs, fs, m, rev float64
		if err := scan(&rs, &fs, &m, &rev); err != nil {
			return err
		}
		ri, fi := int(rs)-1, int(fs)-1
		if ri >= 0 && ri < 5 && fi >= 0 && fi < 5 {
			x.Cells[ri][fi] = Cell{Members: m, Revenue: rev}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = in.Each(ctx, "segments", func(scan func(...any) error) error {
		var s SegmentRow
		if err := scan(&s.Name, &s.Members, &s.MembersPrev, &s.Revenue, &s.Recency, &s.Frequency); err != nil {
			return err
		}
		x.Segments = append(x.Segments, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

func buildReport(x *Figures, v report.View) []report.Block {
	s := report.Block{ID: "rfm", Title: v.T("rfm"), Notices: v.Notices(x.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	rows := []string{"5", "4", "3", "2", "1"}
	cols := []string{"1", "2", "3", "4", "5"}
	members := make([][]float64, 5)
	revenue := make([][]float64, 5)
	for i := range rows {
		members[i] = make([]float64, 5)
		revenue[i] = make([]float64, 5)
		for j := range cols {
			c := x.Cells[4-i][j]
			members[i][j], revenue[i][j] = c.Members, c.Revenue
		}
	}
	tip := func(i, j int) string {
		return fmt.Sprintf("R%s F%s: %s %s, %s %s", rows[i], cols[j], v.Int(members[i][j]), v.T("members"), v.T("revenue"), v.Money(revenue[i][j]))
	}
	s.Charts = []report.Chart{
		{Title: v.T("rfm_grid_members"), SVG: report.HeatMap{Name: "rfm_members", Label: v.T("rfm_grid_members"), Rows: rows, Cols: cols, RowTitle: v.T("recency_short"), ColTitle: v.T("frequency_score"), Values: members, Text: v.Compact, Tip: tip}.SVG()},
		{Title: v.T("rfm_grid_revenue"), SVG: report.HeatMap{Name: "rfm_revenue", Label: v.T("rfm_grid_revenue"), Rows: rows, Cols: cols, RowTitle: v.T("recency_short"), ColTitle: v.T("frequency_score"), Values: revenue, Text: v.MoneyCompact, Tip: tip}.SVG()},
	}
	s.Note = v.T("recency_score") + " · " + v.T("frequency_score")
	s.Defs = []report.Def{
		{Term: v.T("def_window"), Value: v.Param("rfm", "window_days", v.Days) + " · " + v.T("def_rfm_window")},
		{Term: v.T("def_scores"), Value: v.T("def_rfm_scores")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	total := 0.0
	for _, sg := range x.Segments {
		total += sg.Members
	}
	t := report.Table{Head: []string{v.T("segment"), v.Unit(v.T("members"), v.T("unit_count")), v.T("share"), v.T("change"), v.Unit(v.T("revenue"), v.MoneyUnit()), v.T("avg_recency"), v.T("avg_frequency")}, Num: []bool{false, true, true, true, true, true, true}}
	for _, sg := range x.Segments {
		t.Rows = append(t.Rows, []string{v.Name(sg.Name), v.Int(sg.Members), v.Pct(report.Ratio(sg.Members, total)), v.Delta(sg.Members, sg.MembersPrev, x.HasPrev), v.Money(sg.Revenue), v.Dec(sg.Recency, 0), v.Dec(sg.Frequency, 1)})
	}
	s.Tables = []report.Table{t}
	return []report.Block{s}
}

// reportLabels are the section's texts.
var reportLabels = map[report.Lang]map[string]string{
	report.English: {
		"rfm":              "RFM segments",
		"rfm_grid_members": "Members by recency and frequency score",
		"rfm_grid_revenue": "Revenue by recency and frequency score",
		"recency_score":    "Recency score (5 = most recent)",
		"recency_short":    "Recency score",
		"frequency_score":  "Frequency score (5 = most frequent)",
		"segment":          "Segment",
		"avg_recency":      "Avg. days since last order",
		"avg_frequency":    "Avg. orders",
		"def_rfm_window":   "frequency and monetary count paid orders in this window ending at the as_of (models.rfm.window_days)",
		"def_scores":       "Scores",
		"def_rfm_scores":   "1-5 quintiles of the scored buyers: recency 5 = most recent, frequency 5 = most orders",
	},
	report.Chinese: {
		"rfm":              "RFM 分群",
		"rfm_grid_members": "按最近购买与购买频次评分的会员数",
		"rfm_grid_revenue": "按最近购买与购买频次评分的销售额",
		"recency_score":    "最近购买评分（5 = 最近）",
		"recency_short":    "最近购买评分",
		"frequency_score":  "购买频次评分（5 = 最频繁）",
		"segment":          "分群",
		"avg_recency":      "距上次购买平均天数",
		"avg_frequency":    "平均订单数",
		"def_rfm_window":   "频次与金额统计截至数据日期的该窗口内的已付订单（models.rfm.window_days）",
		"def_scores":       "评分",
		"def_rfm_scores":   "已评分购买会员的 1-5 五分位：最近购买 5 = 最近，频次 5 = 订单最多",
	},
}
