package report

import (
	"context"
	"fmt"
	"sort"
)

// Figures are member_profile totals for one slice of members. Sums, not
// means, so that slices add up to the whole; CLVSum/CLVN and
// ChurnSum/ChurnN give the means over the members the models scored.
type Figures struct {
	Members, Active, Buyers, Spend float64
	CLVSum, CLVN, ChurnSum, ChurnN float64
}

func (a *Figures) add(b Figures) {
	a.Members += b.Members
	a.Active += b.Active
	a.Buyers += b.Buyers
	a.Spend += b.Spend
	a.CLVSum += b.CLVSum
	a.CLVN += b.CLVN
	a.ChurnSum += b.ChurnSum
	a.ChurnN += b.ChurnN
}

// Slice is the figures of the members with one value of one dimension.
type Slice struct {
	// Dim is region, channel or tier.
	Dim string
	// Value is the dimension's value; "" is unknown, otherValue gathers
	// the values beyond the largest maxSliceValues.
	Value string
	Figures
}

// Filters is the filter section: the whole and its slices by region,
// channel and tier, each dimension's slices adding up to Total.
type Filters struct {
	Missing []Missing
	Total   Figures
	Slices  []Slice
}

// filterDims are the dimensions of the filters, in page order.
var filterDims = []string{"region", "channel", "tier"}

// maxSliceValues bounds the options per dimension: smaller values are
// gathered under otherValue, so the page stays small and the slices still
// add up.
const maxSliceValues = 12

// otherValue is the slice of values beyond the largest maxSliceValues.
const otherValue = "\x00other"

func (l *loader) filters(ctx context.Context, r *Report) error {
	fl := &r.Filters
	fl.Missing, _ = l.need("member_profile")
	if fl.Missing != nil {
		return nil
	}
	by := map[string]map[string]*Figures{}
	for _, d := range filterDims {
		by[d] = map[string]*Figures{}
	}
	err := l.each(ctx, "filters", l.args(), func(scan func(...any) error) error {
		var region, channel, tier string
		var x Figures
		if err := scan(&region, &channel, &tier, &x.Members, &x.Active, &x.Buyers, &x.Spend, &x.CLVSum, &x.CLVN, &x.ChurnSum, &x.ChurnN); err != nil {
			return err
		}
		fl.Total.add(x)
		for d, v := range map[string]string{"region": region, "channel": channel, "tier": tier} {
			if by[d][v] == nil {
				by[d][v] = &Figures{}
			}
			by[d][v].add(x)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range filterDims {
		fl.Slices = append(fl.Slices, dimSlices(d, by[d])...)
	}
	return nil
}

// dimSlices orders a dimension's values by members (most first, then by
// name) and gathers those beyond maxSliceValues under otherValue.
func dimSlices(dim string, vals map[string]*Figures) []Slice {
	var out []Slice
	for v, x := range vals {
		out = append(out, Slice{Dim: dim, Value: v, Figures: *x})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Members != out[b].Members {
			return out[a].Members > out[b].Members
		}
		return out[a].Value < out[b].Value
	})
	if len(out) > maxSliceValues {
		other := Slice{Dim: dim, Value: otherValue}
		for _, s := range out[maxSliceValues-1:] {
			other.add(s.Figures)
		}
		out = append(out[:maxSliceValues-1], other)
	}
	return out
}

// filterSection shows the headline figures of the members of one region,
// channel or tier, chosen offline. Every slice is computed here, on the
// server, and rendered as a panel; radio buttons and CSS (no script)
// show the chosen one (explain.go, filter).
func filterSection(r *Report, f Format) Block {
	l := f.Lang
	fl := r.Filters
	s := Block{ID: "filters", Title: l.T("filters"), Notices: notices(l, fl.Missing)}
	if s.Notices != nil {
		return s
	}
	s.Defs = []Def{
		{l.T("as_of"), r.AsOf.Format("2006-01-02") + " · member_profile"},
		{l.T("def_slices"), fmt.Sprintf(l.T("def_slices_text"), maxSliceValues-1)},
		{l.T("def_spend"), fmt.Sprintf(l.T("def_spend_text"), param(r, f, "rfm", "window_days", days(f)))},
		{l.T("def_currency"), currencyText(f)},
	}
	value := func(v string) string {
		if v == otherValue {
			return l.T("other")
		}
		return l.Name(v)
	}
	t := Table{Head: []string{l.T("dimension"), l.T("value"), f.Unit(l.T("members"), l.T("unit_count")), l.T("share"),
		f.Unit(l.T("kpi_active"), l.T("unit_count")), f.Unit(l.T("kpi_buyers"), l.T("unit_count")), f.Unit(l.T("spend_window"), f.MoneyUnit()),
		f.Unit(l.T("kpi_avg_clv"), f.MoneyUnit()), l.T("kpi_predicted_churn")},
		Num: []bool{false, false, true, true, true, true, true, true, true}}
	flt := &filter{Name: "filters"}
	all := filterOption{ID: "filters-all", Label: l.T("all_members"), Caption: l.T("all_members"), KPIs: figureViews(fl.Total, fl.Total, f), Checked: true}
	flt.Groups = append(flt.Groups, filterGroup{Title: l.T("show"), Options: []filterOption{all}})
	t.Rows = append(t.Rows, figureRow(l.T("all_members"), "", fl.Total, fl.Total, f))
	for _, d := range filterDims {
		g := filterGroup{Title: l.T("dim_" + d)}
		k := 0
		for _, sl := range fl.Slices {
			if sl.Dim != d {
				continue
			}
			k++
			g.Options = append(g.Options, filterOption{ID: fmt.Sprintf("filters-%s-%d", d, k), Label: value(sl.Value),
				Caption: l.T("dim_"+d) + l.T("colon") + value(sl.Value), KPIs: figureViews(sl.Figures, fl.Total, f)})
			t.Rows = append(t.Rows, figureRow(l.T("dim_"+d), value(sl.Value), sl.Figures, fl.Total, f))
		}
		if len(g.Options) > 0 {
			flt.Groups = append(flt.Groups, g)
		}
	}
	s.Filter = flt
	s.Tables = []Table{t}
	return s
}

// figureViews are one slice's cards.
func figureViews(x, total Figures, f Format) []kpiView {
	l := f.Lang
	return []kpiView{
		{Label: l.T("members"), Value: f.Int(x.Members), Prev: f.Pct(ratio(x.Members, total.Members)) + " " + l.T("of_all")},
		{Label: l.T("kpi_active"), Value: f.Int(x.Active), Prev: f.Pct(ratio(x.Active, x.Members))},
		{Label: l.T("kpi_buyers"), Value: f.Int(x.Buyers), Prev: f.Pct(ratio(x.Buyers, x.Members))},
		{Label: l.T("spend_window"), Value: f.Money(x.Spend), Prev: l.T("kpi_arpu") + " " + f.Money(ratio(x.Spend, x.Buyers))},
		{Label: l.T("kpi_avg_clv"), Value: f.Money(ratio(x.CLVSum, x.CLVN))},
		{Label: l.T("kpi_predicted_churn"), Value: f.Pct(ratio(x.ChurnSum, x.ChurnN))},
	}
}

// figureRow is one slice's table row.
func figureRow(dim, value string, x, total Figures, f Format) []string {
	return []string{dim, value, f.Int(x.Members), f.Pct(ratio(x.Members, total.Members)), f.Int(x.Active), f.Int(x.Buyers),
		f.Money(x.Spend), f.Money(ratio(x.CLVSum, x.CLVN)), f.Pct(ratio(x.ChurnSum, x.ChurnN))}
}
