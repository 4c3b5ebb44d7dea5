package kpibreakdown

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

// The breakdown and contribution sections of the report read the model's
// tables: the headline KPIs per dimension value behind a dimension picker
// (radio buttons and CSS :checked rules in the picker's own <style>, so it
// works offline without scripts), and the contribution of tiers, value
// layers and the top members to revenue.

//go:embed report.sql
var reportSrc string

// Section is the breakdown and contribution sections (two blocks).
var Section = report.NewSection(report.SectionSpec{
	ID: "breakdown",
	Sources: []report.Source{
		{Model: "kpi_breakdown", Table: "kpi_breakdown", Columns: []string{"as_of", "dimension", "value", "basis", "members", "active_members", "buyers", "orders", "revenue",
			"discount", "aov", "repurchase_rate", "churn_risk_share", "avg_clv", "revenue_per_member", "discount_per_member", "discount_rate",
			"member_share", "revenue_share", "revenue_per_member_index"}},
		{Model: "kpi_breakdown", Table: "kpi_contribution", Columns: []string{"as_of", "top_share", "top_members", "top_revenue", "top_revenue_per_member", "revenue_share", "ratio"}},
	},
	Queries: query.MustParse("kpi_breakdown_report", reportSrc),
	Labels:  labels,
	Place:   230,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *KPIBreakdown) ReportSection() report.Section { return Section }

// pickerMaxValues is the most values a picker table shows (by revenue; a
// store dimension can have hundreds); the table holds them all.
const pickerMaxValues = 20

// breakdownDims are the dimensions of the picker, in its order.
var breakdownDims = []string{"tier", "value_layer", "lifecycle_stage", "region", "join_channel", "channel", "store"}

// BreakdownRow is one kpi_breakdown row (sql/schema/085_kpi_breakdown.sql
// defines each figure); NaN where the table has NULL.
type BreakdownRow struct {
	Dimension, Value, Basis                            string
	Members, Active, Buyers, Orders, Revenue, Discount float64
	AOV, Repurchase, ChurnRisk, AvgCLV                 float64
	RevenuePerMember, DiscountPerMember, DiscountRate  float64
	MemberShare, RevenueShare, Index                   float64
}

// TopShare is one kpi_contribution row: the top Share of members by
// window revenue, their RevenueShare and Ratio to the average member.
type TopShare struct {
	Share, Members, Revenue, RevenuePerMember, RevenueShare, Ratio float64
}

// Figures are what the breakdown and contribution sections show.
type Figures struct {
	Missing []report.Missing
	// All is the all row; Rows the others, by dimension then revenue.
	All  BreakdownRow
	Rows []BreakdownRow
	Top  []TopShare
}

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	b := &Figures{}
	// One model writes both tables in one run: report the first missing.
	if b.Missing, _ = in.Need("kpi_breakdown"); b.Missing != nil {
		return b, nil
	}
	if b.Missing, _ = in.Need("kpi_contribution"); b.Missing != nil {
		return b, nil
	}
	err := in.Each(ctx, "breakdown", func(scan func(...any) error) error {
		var x BreakdownRow
		if err := scan(&x.Dimension, &x.Value, &x.Basis, &x.Members, &x.Active, &x.Buyers, &x.Orders, &x.Revenue, &x.Discount,
			&x.AOV, &x.Repurchase, &x.ChurnRisk, &x.AvgCLV, &x.RevenuePerMember, &x.DiscountPerMember, &x.DiscountRate,
			&x.MemberShare, &x.RevenueShare, &x.Index); err != nil {
			return err
		}
		switch x.Dimension {
		case "all":
			b.All = x
		case "top":
			b.Top = append(b.Top, TopShare{Share: x.MemberShare, Members: x.Members, Revenue: x.Revenue,
				RevenuePerMember: x.RevenuePerMember, RevenueShare: x.RevenueShare, Ratio: x.Index})
		default:
			b.Rows = append(b.Rows, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(b.Top, func(i, j int) bool { return b.Top[i].Share < b.Top[j].Share })
	sort.SliceStable(b.Rows, func(i, j int) bool {
		x, y := b.Rows[i], b.Rows[j]
		if x.Dimension != y.Dimension {
			return x.Dimension < y.Dimension
		}
		if x.Revenue != y.Revenue {
			return x.Revenue > y.Revenue
		}
		return x.Value < y.Value
	})
	return b, nil
}

// build lays out the breakdown section (the dimension picker) and the
// contribution section.
func build(b *Figures, v report.View) []report.Block {
	bd := report.Block{ID: "breakdown", Title: v.T("bd_title"), Notices: v.Notices(b.Missing)}
	ct := report.Block{ID: "contribution", Title: v.T("bd_contribution"), Notices: v.Notices(b.Missing)}
	if b.Missing != nil {
		return []report.Block{bd, ct}
	}
	bd.Charts = []report.Chart{{Title: v.T("bd_picker"), SVG: picker(b, v)}}
	bd.Note = v.T("bd_note")
	window := report.Def{Term: v.T("def_window"), Value: v.Param("kpi_breakdown", "window_days", v.Days) + " · " + v.T("def_bd_window")}
	bd.Defs = []report.Def{
		window,
		{Term: v.T("kpi_active"), Value: v.Param("kpi_breakdown", "active_days", v.Days) + " · " + v.T("def_bd_active")},
		{Term: v.T("bd_index"), Value: v.T("def_bd_index")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	ct.Defs = []report.Def{
		window,
		{Term: v.T("bd_top"), Value: v.T("def_bd_top")},
		{Term: v.T("bd_revenue_share"), Value: v.T("def_bd_revenue_share")},
	}
	shareTitle := v.Unit(v.T("bd_share_axis"), "%")

	var cats []string
	var top, members []float64
	for _, t := range b.Top {
		cats = append(cats, v.T("bd_top")+" "+trimPct(t.Share))
		members = append(members, t.Share)
		top = append(top, t.RevenueShare)
	}
	ct.Charts = append(ct.Charts, report.Chart{Title: v.T("bd_top_chart"), SVG: report.Bars{Name: "contribution_top", Label: v.T("bd_top_chart"), Categories: cats,
		Series: []report.Series{{Name: v.T("bd_member_share"), Values: members}, {Name: v.T("bd_revenue_share"), Values: top}}, Value: v.Pct,
		XTitle: v.T("bd_top_axis"), YTitle: shareTitle}.SVG()})
	for _, dim := range []string{"tier", "value_layer"} {
		var cats []string
		var ms, rs []float64
		for _, x := range b.Rows {
			if x.Dimension == dim {
				cats = append(cats, v.Name(x.Value))
				ms = append(ms, x.MemberShare)
				rs = append(rs, x.RevenueShare)
			}
		}
		if len(cats) == 0 {
			continue
		}
		name := "contribution_" + dim
		ct.Charts = append(ct.Charts, report.Chart{Title: v.T("bd_share_by") + " " + v.T("bd_dim_"+dim), SVG: report.Bars{Name: name, Label: v.T("bd_share_by") + " " + v.T("bd_dim_"+dim), Categories: cats,
			Series: []report.Series{{Name: v.T("bd_member_share"), Values: ms}, {Name: v.T("bd_revenue_share"), Values: rs}}, Value: v.Pct,
			XTitle: v.T("bd_dim_" + dim), YTitle: shareTitle}.SVG()})
	}
	for _, t := range b.Top {
		ct.Stats = append(ct.Stats, report.Stat{Label: v.T("bd_top") + " " + trimPct(t.Share) + " · " + v.T("bd_revenue_share"), Value: v.Pct(t.RevenueShare),
			Sub: fmt.Sprintf(v.T("bd_ratio"), v.Dec(t.Ratio, 1), v.Int(t.Members))})
	}
	tt := report.Table{Head: []string{v.T("bd_top"), v.T("members"), v.T("revenue"), v.T("bd_revenue_share"), v.T("bd_rpm"), v.T("bd_index")},
		Num: []bool{false, true, true, true, true, true}}
	for _, t := range b.Top {
		tt.Rows = append(tt.Rows, []string{trimPct(t.Share), v.Int(t.Members), v.Money(t.Revenue), v.Pct(t.RevenueShare), v.Money(t.RevenuePerMember), v.Dec(t.Ratio, 1) + "×"})
	}
	ct.Tables = []report.Table{tt}
	ct.Note = v.T("bd_contribution_note")
	return []report.Block{bd, ct}
}

// trimPct writes a share as a percentage without trailing zeros: 0.05 -> 5%.
func trimPct(v float64) string {
	return strconv.FormatFloat(math.Round(v*10000)/100, 'f', -1, 64) + "%"
}

// pickerCSS shows the panel and highlights the tab of the checked radio
// button; one rule pair per dimension.
func pickerCSS() string {
	var b strings.Builder
	b.WriteString(`.bd-pick{min-width:min(1180px,100%)}.bd-pick>input{position:absolute;opacity:0;pointer-events:none}` +
		`.bd-tabs{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}` +
		`.bd-tabs label{border:1px solid var(--line);border-radius:14px;padding:3px 12px;cursor:pointer;color:var(--muted);font-weight:400}` +
		`.bd-panel{display:none}`)
	for _, d := range breakdownDims {
		fmt.Fprintf(&b, `#bd-%[1]s:checked~.bd-tabs label[for=bd-%[1]s]{background:var(--accent);border-color:var(--accent);color:#fff}`+
			`#bd-%[1]s:checked~.bd-panels .bd-%[1]s{display:block}`+
			`#bd-%[1]s:focus-visible~.bd-tabs label[for=bd-%[1]s]{outline:2px solid var(--accent);outline-offset:2px}`, d)
	}
	return b.String()
}

// picker writes the dimension picker: one radio button, tab and table per
// dimension with rows, the first checked.
func picker(b *Figures, v report.View) template.HTML {
	var dims []string
	for _, d := range breakdownDims {
		for _, x := range b.Rows {
			if x.Dimension == d {
				dims = append(dims, d)
				break
			}
		}
	}
	var h strings.Builder
	h.WriteString(`<div class="bd-pick"><style>` + pickerCSS() + `</style>`)
	for i, d := range dims {
		checked := ""
		if i == 0 {
			checked = " checked"
		}
		fmt.Fprintf(&h, `<input type="radio" name="bd-dim" id="bd-%s"%s>`, d, checked)
	}
	h.WriteString(`<div class="bd-tabs" role="tablist">`)
	for _, d := range dims {
		fmt.Fprintf(&h, `<label for="bd-%s">%s</label>`, d, template.HTMLEscapeString(v.T("bd_dim_"+d)))
	}
	h.WriteString(`</div><div class="bd-panels">`)
	head := []string{v.T("bd_value"), v.T("members"), v.T("bd_member_share"), v.T("kpi_active"), v.T("kpi_buyers"), v.T("revenue"),
		v.T("bd_revenue_share"), v.T("bd_aov"), v.T("kpi_repurchase"), v.T("bd_churn_risk"), v.T("kpi_avg_clv"), v.T("bd_rpm"), v.T("bd_index"),
		v.T("bd_discount"), v.T("bd_dpm"), v.T("bd_discount_rate")}
	row := func(x BreakdownRow, name string) []string {
		return []string{name, v.Int(x.Members), v.Pct(x.MemberShare), v.Int(x.Active), v.Int(x.Buyers), v.Money(x.Revenue),
			v.Pct(x.RevenueShare), v.Money(x.AOV), v.Pct(x.Repurchase), v.Pct(x.ChurnRisk), v.Money(x.AvgCLV), v.Money(x.RevenuePerMember),
			v.Dec(x.Index, 2), v.Money(x.Discount), v.Money(x.DiscountPerMember), v.Pct(x.DiscountRate)}
	}
	for _, d := range dims {
		fmt.Fprintf(&h, `<div class="bd-panel bd-%s" role="tabpanel"><div class="table-wrap"><table><thead><tr>`, d)
		for i, c := range head {
			fmt.Fprintf(&h, `<th%s>%s</th>`, numClass(i > 0), template.HTMLEscapeString(c))
		}
		h.WriteString(`</tr></thead><tbody>`)
		rows := [][]string{row(b.All, v.T("bd_all"))}
		basis, more := "", 0
		for _, x := range b.Rows { // by revenue within the dimension
			if x.Dimension != d {
				continue
			}
			basis = x.Basis
			if len(rows) > pickerMaxValues {
				more++
				continue
			}
			rows = append(rows, row(x, v.Name(x.Value)))
		}
		for _, r := range rows {
			h.WriteString(`<tr>`)
			for i, c := range r {
				fmt.Fprintf(&h, `<td%s>%s</td>`, numClass(i > 0), template.HTMLEscapeString(c))
			}
			h.WriteString(`</tr>`)
		}
		h.WriteString(`</tbody></table></div>`)
		if more > 0 {
			fmt.Fprintf(&h, `<p class="note">%s</p>`, template.HTMLEscapeString(fmt.Sprintf(v.T("bd_more"), pickerMaxValues, more)))
		}
		if basis == "order" {
			fmt.Fprintf(&h, `<p class="note">%s</p>`, template.HTMLEscapeString(v.T("bd_order_basis")))
		}
		h.WriteString(`</div>`)
	}
	h.WriteString(`</div></div>`)
	return template.HTML(h.String())
}

func numClass(num bool) string {
	if num {
		return ` class="num"`
	}
	return ""
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"bd_title":               "Breakdowns",
		"bd_picker":              "Headline figures by dimension",
		"bd_note":                "Window figures (revenue, orders, buyers, discount) cover models.kpi_breakdown.window_days up to the as_of; active = a paid order in the last active_days. Definitions: the column comments of kpi_breakdown.",
		"bd_contribution":        "Contribution",
		"bd_contribution_note":   "Top members: ranked by revenue in the window among all members, buyers or not; × = their revenue per member over the average member's.",
		"bd_top":                 "Top",
		"bd_top_chart":           "Share of revenue of the top members",
		"bd_share_by":            "Share of members and revenue by",
		"bd_member_share":        "Share of members",
		"bd_revenue_share":       "Share of revenue",
		"bd_ratio":               "%s× the average member (%s members)",
		"bd_value":               "Value",
		"bd_all":                 "All members",
		"bd_aov":                 "AOV",
		"bd_churn_risk":          "Churn-risk share",
		"bd_rpm":                 "Revenue per member",
		"bd_index":               "Index (1 = average)",
		"bd_discount":            "Discount",
		"bd_dpm":                 "Discount per member",
		"bd_discount_rate":       "Discount rate",
		"bd_order_basis":         "Orders are counted at their channel or store; a member who bought at several is counted at each, so member counts do not add up to All.",
		"bd_dim_tier":            "Tier",
		"bd_dim_value_layer":     "Value layer",
		"bd_dim_lifecycle_stage": "Lifecycle stage",
		"bd_dim_region":          "Region",
		"bd_dim_join_channel":    "Join channel",
		"bd_dim_channel":         "Sales channel",
		"bd_dim_store":           "Store",
		"bd_more":                "The %d values with the most revenue; %d more are in the kpi_breakdown table.",
		"def_bd_window":          "revenue, orders, buyers and discount (models.kpi_breakdown.window_days)",
		"def_bd_active":          "a paid order in this many days up to the as_of (models.kpi_breakdown.active_days)",
		"def_bd_index":           "revenue per member of the value over that of all members",
		"def_bd_top":             "members ranked by revenue in the window, buyers or not",
		"def_bd_revenue_share":   "their revenue over all members' revenue in the window",
		"bd_share_axis":          "Share",
		"bd_top_axis":            "Top members by revenue",
	},
	report.Chinese: {
		"bd_title":               "分维度指标",
		"bd_picker":              "按维度查看核心指标",
		"bd_note":                "窗口指标（收入、订单、购买会员、折扣）为截至数据日期的 models.kpi_breakdown.window_days 天；活跃 = 最近 active_days 天内有已支付订单。定义见 kpi_breakdown 的列注释。",
		"bd_contribution":        "贡献度",
		"bd_contribution_note":   "头部会员：在全部会员（含未购买者）中按窗口内收入排序；× = 其人均收入相对全体会员人均收入的倍数。",
		"bd_top":                 "头部",
		"bd_top_chart":           "头部会员的收入占比",
		"bd_share_by":            "会员与收入占比：",
		"bd_member_share":        "会员占比",
		"bd_revenue_share":       "收入占比",
		"bd_ratio":               "为全体会员人均的 %s 倍（%s 名会员）",
		"bd_value":               "取值",
		"bd_all":                 "全部会员",
		"bd_aov":                 "客单价",
		"bd_churn_risk":          "流失风险占比",
		"bd_rpm":                 "人均收入",
		"bd_index":               "指数（1 = 平均）",
		"bd_discount":            "折扣",
		"bd_dpm":                 "人均折扣",
		"bd_discount_rate":       "折扣率",
		"bd_order_basis":         "订单按其渠道或门店统计；在多个渠道或门店购买的会员在每处都计入，因此会员数之和不等于全部。",
		"bd_dim_tier":            "等级",
		"bd_dim_value_layer":     "价值层级",
		"bd_dim_lifecycle_stage": "生命周期阶段",
		"bd_dim_region":          "地区",
		"bd_dim_join_channel":    "入会渠道",
		"bd_dim_channel":         "销售渠道",
		"bd_dim_store":           "门店",
		"bd_more":                "仅显示收入最高的 %d 个取值；其余 %d 个见 kpi_breakdown 表。",
		"def_bd_window":          "收入、订单、购买会员与折扣（models.kpi_breakdown.window_days）",
		"def_bd_active":          "截至数据日期这么多天内有已支付订单（models.kpi_breakdown.active_days）",
		"def_bd_index":           "该取值的人均收入与全部会员人均收入之比",
		"def_bd_top":             "按窗口内收入排名的会员，无论是否购买",
		"def_bd_revenue_share":   "其收入占窗口内全部会员收入的比例",
		"bd_share_axis":          "占比",
		"bd_top_axis":            "收入最高的会员",
	},
}
