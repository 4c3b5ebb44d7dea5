package clv

import (
	"context"
	_ "embed"
	"math"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the CLV section of the report: the members by predicted CLV
// and the predicted value and past spend per CLV decile.
var Section = report.NewSection(report.SectionSpec{
	ID: "clv",
	Sources: []report.Source{
		{Model: "clv", Table: "clv", Columns: []string{"as_of", "member_id", "frequency", "monetary", "clv", "clv_decile"}},
	},
	Queries: query.MustParse("clv_report", reportSrc),
	Labels:  reportLabels,
	Place:   120,
}, readReport, buildReport)

// ReportSection returns Section (the report collects it from the registry).
func (m *CLV) ReportSection() report.Section { return Section }

// DecileRow is one CLV decile (10 = highest): its members and their
// predicted value and past spend.
type DecileRow struct {
	Decile              int
	Members, CLV, Spend float64
}

// Bin is one bar of the histogram, [Lo, Hi) (the last bin is open above).
type Bin struct {
	Lo, Hi  float64
	Members float64
}

// Figures are what the section shows.
type Figures struct {
	Missing []report.Missing
	Deciles []DecileRow
	Bins    []Bin
}

// histBins is the number of bars of the CLV histogram.
const histBins = 20

func readReport(ctx context.Context, in *report.Input) (*Figures, error) {
	x := &Figures{}
	if x.Missing, _ = in.Need("clv"); x.Missing != nil {
		return x, nil
	}
	err := in.Each(ctx, "deciles", func(scan func(...any) error) error {
		var d DecileRow
		var dec, maxCLV float64
		if err := scan(&dec, &d.Members, &d.CLV, &d.Spend, &maxCLV); err != nil {
			return err
		}
		d.Decile = int(dec)
		x.Deciles = append(x.Deciles, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var p99 float64
	if err := in.Each(ctx, "p99", func(scan func(...any) error) error { return scan(&p99) }); err != nil {
		return nil, err
	}
	width := report.NiceStep(p99 / histBins)
	x.Bins = make([]Bin, histBins)
	for i := range x.Bins {
		x.Bins[i] = Bin{Lo: float64(i) * width, Hi: float64(i+1) * width}
	}
	x.Bins[histBins-1].Hi = math.Inf(1)
	err = in.Each(ctx, "histogram", func(scan func(...any) error) error {
		var b, n float64
		if err := scan(&b, &n); err != nil {
			return err
		}
		if i := int(b); i >= 0 && i < histBins {
			x.Bins[i].Members += n
		}
		return nil
	}, clickhouse.Named("width", width), clickhouse.Named("bins", histBins))
	if err != nil {
		return nil, err
	}
	return x, nil
}

func buildReport(x *Figures, v report.View) []report.Block {
	s := report.Block{ID: "clv", Title: v.T("clv"), Notices: v.Notices(x.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	var cats []string
	var hist []float64
	for _, b := range x.Bins {
		if math.IsInf(b.Hi, 1) {
			cats = append(cats, "≥"+v.Compact(b.Lo))
		} else {
			cats = append(cats, v.Compact(b.Lo))
		}
		hist = append(hist, b.Members)
	}
	var dcats []string
	var clv, spend []float64
	t := report.Table{Head: []string{v.T("decile"), v.Unit(v.T("members"), v.T("unit_count")), v.Unit(v.T("predicted_clv"), v.MoneyUnit()), v.Unit(v.T("past_spend"), v.MoneyUnit())}, Num: []bool{false, true, true, true}}
	for _, d := range x.Deciles {
		dcats = append(dcats, strconv.Itoa(d.Decile))
		clv = append(clv, d.CLV)
		spend = append(spend, d.Spend)
		t.Rows = append(t.Rows, []string{strconv.Itoa(d.Decile), v.Int(d.Members), v.Money(d.CLV), v.Money(d.Spend)})
	}
	s.Defs = []report.Def{
		{Term: v.T("def_horizon"), Value: v.Param("clv", "horizon_days", v.Days)},
		{Term: v.T("def_discount"), Value: v.Param("clv", "annual_discount_rate", v.Pct)},
		{Term: v.T("def_time_unit"), Value: v.Param("clv", "time_unit_days", v.Days)},
		{Term: v.T("predicted_clv"), Value: v.T("def_clv_text")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	s.Charts = []report.Chart{
		{Title: v.T("clv_distribution"), SVG: report.Bars{Name: "clv_histogram", Label: v.T("clv_distribution"), Categories: cats, Series: []report.Series{{Name: v.T("members"), Values: hist}}, Value: v.Compact,
			XTitle: v.Unit(v.T("predicted_clv_from"), v.MoneyUnit()), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()},
		{Title: v.T("clv_by_decile"), SVG: report.Bars{Name: "clv_deciles", Label: v.T("clv_by_decile"), Categories: dcats, Series: []report.Series{{Name: v.T("predicted_clv"), Values: clv}, {Name: v.T("past_spend"), Values: spend}}, Value: v.MoneyCompact,
			XTitle: v.T("clv_decile_axis"), YTitle: v.Unit(v.T("avg_per_member"), v.MoneyUnit())}.SVG()},
	}
	s.Tables = []report.Table{t}
	return []report.Block{s}
}

// reportLabels are the section's texts.
var reportLabels = map[report.Lang]map[string]string{
	report.English: {
		"clv":                "Customer lifetime value",
		"clv_distribution":   "Members by predicted CLV",
		"clv_by_decile":      "Predicted CLV and past spend by CLV decile",
		"decile":             "Decile",
		"predicted_clv":      "Predicted CLV",
		"past_spend":         "Past spend",
		"def_discount":       "Annual discount rate",
		"def_time_unit":      "Time unit of the fit",
		"def_clv_text":       "discounted expected spend over the horizon (BG/NBD purchases x Gamma-Gamma order value)",
		"predicted_clv_from": "Predicted CLV, bin from",
		"clv_decile_axis":    "CLV decile (10 = highest)",
		"avg_per_member":     "Mean per member",
	},
	report.Chinese: {
		"clv":                "客户终身价值",
		"clv_distribution":   "按预测终身价值的会员分布",
		"clv_by_decile":      "按终身价值十分位的预测价值与历史消费",
		"decile":             "十分位",
		"predicted_clv":      "预测终身价值",
		"past_spend":         "历史消费",
		"def_discount":       "年折现率",
		"def_time_unit":      "拟合时间单位",
		"def_clv_text":       "预测期内折现后的预期消费（BG/NBD 购买次数 × Gamma-Gamma 客单价）",
		"predicted_clv_from": "预测终身价值，区间起点",
		"clv_decile_axis":    "终身价值十分位（10 = 最高）",
		"avg_per_member":     "人均",
	},
}
