package report

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The breakdown and contribution sections read the kpi_breakdown model's
// tables: the headline KPIs per dimension value behind a dimension picker
// (radio buttons and CSS :checked rules, so it works offline without
// scripts), and the contribution of tiers, value layers and the top
// members to revenue.

// breakdownSources are the tables and columns the sections need.
var breakdownSources = []Source{
	{"kpi_breakdown", "kpi_breakdown", []string{"as_of", "dimension", "value", "basis", "members", "active_members", "buyers", "orders", "revenue",
		"discount", "aov", "repurchase_rate", "churn_risk_share", "avg_clv", "revenue_per_member", "discount_per_member", "discount_rate",
		"member_share", "revenue_share", "revenue_per_member_index"}},
	{"kpi_breakdown", "kpi_contribution", []string{"as_of", "top_share", "top_members", "top_revenue", "top_revenue_per_member", "revenue_share", "ratio"}},
}

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

// Breakdown is the breakdown and contribution sections.
type Breakdown struct {
	Missing []Missing
	// All is the all row; Rows the others, by dimension then revenue.
	All  BreakdownRow
	Rows []BreakdownRow
	Top  []TopShare
}

// breakdown loads the kpi_breakdown and kpi_contribution rows of the as_of.
func (l *loader) breakdown(ctx context.Context, r *Report) error {
	b := &r.Breakdown
	// One model writes both tables in one run: report the first missing.
	if b.Missing, _ = l.need("kpi_breakdown"); b.Missing != nil {
		return nil
	}
	if b.Missing, _ = l.need("kpi_contribution"); b.Missing != nil {
		return nil
	}
	err := l.each(ctx, "breakdown", l.args(), func(scan func(...any) error) error {
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
		return err
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
	return nil
}

// breakdownSections are the breakdown section (the dimension picker) and
// the contribution section.
func breakdownSections(r *Report, f Format) []Block {
	l := f.Lang
	b := r.Breakdown
	bd := Block{ID: "breakdown", Title: l.T("bd_title"), Notices: notices(l, b.Missing)}
	ct := Block{ID: "contribution", Title: l.T("bd_contribution"), Notices: notices(l, b.Missing)}
	if b.Missing != nil {
		return []Block{bd, ct}
	}
	bd.Charts = []Chart{{l.T("bd_picker"), picker(b, f)}}
	bd.Note = l.T("bd_note")
	window := Def{l.T("def_window"), param(r, f, "kpi_breakdown", "window_days", days(f)) + " · " + l.T("def_bd_window")}
	bd.Defs = []Def{
		window,
		{l.T("kpi_active"), param(r, f, "kpi_breakdown", "active_days", days(f)) + " · " + l.T("def_bd_active")},
		{l.T("bd_index"), l.T("def_bd_index")},
		{l.T("def_currency"), currencyText(f)},
	}
	ct.Defs = []Def{
		window,
		{l.T("bd_top"), l.T("def_bd_top")},
		{l.T("bd_revenue_share"), l.T("def_bd_revenue_share")},
	}
	shareTitle := f.Unit(l.T("bd_share_axis"), "%")

	var cats []string
	var top, members []float64
	for _, t := range b.Top {
		cats = append(cats, l.T("bd_top")+" "+trimPct(t.Share))
		members = append(members, t.Share)
		top = append(top, t.RevenueShare)
	}
	ct.Charts = append(ct.Charts, Chart{l.T("bd_top_chart"), Bars{Name: "contribution_top", Label: l.T("bd_top_chart"), Categories: cats,
		Series: []Series{{l.T("bd_member_share"), members}, {l.T("bd_revenue_share"), top}}, Value: f.Pct,
		XTitle: l.T("bd_top_axis"), YTitle: shareTitle}.SVG()})
	for _, dim := range []string{"tier", "value_layer"} {
		var cats []string
		var ms, rs []float64
		for _, x := range b.Rows {
			if x.Dimension == dim {
				cats = append(cats, l.Name(x.Value))
				ms = append(ms, x.MemberShare)
				rs = append(rs, x.RevenueShare)
			}
		}
		if len(cats) == 0 {
			continue
		}
		name := "contribution_" + dim
		ct.Charts = append(ct.Charts, Chart{l.T("bd_share_by") + " " + l.T("bd_dim_"+dim), Bars{Name: name, Label: l.T("bd_share_by") + " " + l.T("bd_dim_"+dim), Categories: cats,
			Series: []Series{{l.T("bd_member_share"), ms}, {l.T("bd_revenue_share"), rs}}, Value: f.Pct,
			XTitle: l.T("bd_dim_" + dim), YTitle: shareTitle}.SVG()})
	}
	for _, t := range b.Top {
		ct.Stats = append(ct.Stats, Stat{l.T("bd_top") + " " + trimPct(t.Share) + " · " + l.T("bd_revenue_share"), f.Pct(t.RevenueShare),
			fmt.Sprintf(l.T("bd_ratio"), f.Dec(t.Ratio, 1), f.Int(t.Members))})
	}
	tt := Table{Head: []string{l.T("bd_top"), l.T("members"), l.T("revenue"), l.T("bd_revenue_share"), l.T("bd_rpm"), l.T("bd_index")},
		Num: []bool{false, true, true, true, true, true}}
	for _, t := range b.Top {
		tt.Rows = append(tt.Rows, []string{trimPct(t.Share), f.Int(t.Members), f.Money(t.Revenue), f.Pct(t.RevenueShare), f.Money(t.RevenuePerMember), f.Dec(t.Ratio, 1) + "×"})
	}
	ct.Tables = []Table{tt}
	ct.Note = l.T("bd_contribution_note")
	return []Block{bd, ct}
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
func picker(b Breakdown, f Format) template.HTML {
	l := f.Lang
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
		fmt.Fprintf(&h, `<label for="bd-%s">%s</label>`, d, esc(l.T("bd_dim_"+d)))
	}
	h.WriteString(`</div><div class="bd-panels">`)
	head := []string{l.T("bd_value"), l.T("members"), l.T("bd_member_share"), l.T("kpi_active"), l.T("kpi_buyers"), l.T("revenue"),
		l.T("bd_revenue_share"), l.T("bd_aov"), l.T("kpi_repurchase"), l.T("bd_churn_risk"), l.T("kpi_avg_clv"), l.T("bd_rpm"), l.T("bd_index"),
		l.T("bd_discount"), l.T("bd_dpm"), l.T("bd_discount_rate")}
	row := func(x BreakdownRow, name string) []string {
		return []string{name, f.Int(x.Members), f.Pct(x.MemberShare), f.Int(x.Active), f.Int(x.Buyers), f.Money(x.Revenue),
			f.Pct(x.RevenueShare), f.Money(x.AOV), f.Pct(x.Repurchase), f.Pct(x.ChurnRisk), f.Money(x.AvgCLV), f.Money(x.RevenuePerMember),
			f.Dec(x.Index, 2), f.Money(x.Discount), f.Money(x.DiscountPerMember), f.Pct(x.DiscountRate)}
	}
	for _, d := range dims {
		fmt.Fprintf(&h, `<div class="bd-panel bd-%s" role="tabpanel"><div class="table-wrap"><table><thead><tr>`, d)
		for i, c := range head {
			fmt.Fprintf(&h, `<th%s>%s</th>`, numClass(i > 0), esc(c))
		}
		h.WriteString(`</tr></thead><tbody>`)
		rows := [][]string{row(b.All, l.T("bd_all"))}
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
			rows = append(rows, row(x, l.Name(x.Value)))
		}
		for _, r := range rows {
			h.WriteString(`<tr>`)
			for i, c := range r {
				fmt.Fprintf(&h, `<td%s>%s</td>`, numClass(i > 0), esc(c))
			}
			h.WriteString(`</tr>`)
		}
		h.WriteString(`</tbody></table></div>`)
		if more > 0 {
			fmt.Fprintf(&h, `<p class="note">%s</p>`, esc(fmt.Sprintf(l.T("bd_more"), pickerMaxValues, more)))
		}
		if basis == "order" {
			fmt.Fprintf(&h, `<p class="note">%s</p>`, esc(l.T("bd_order_basis")))
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
