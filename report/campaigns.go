package report

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"strings"
)

// CampaignRow is one row of campaign_results (models/campaigns); the
// statistics are NaN on comparison rows and where undefined.
type CampaignRow struct {
	Campaign, Evidence, Group, Variant string
	Members, Conversion, RPM           float64
	Uplift, Lo, Hi, P                  float64
	RPMUplift, RPMP, Incremental, ROI  float64
	SRM, Complete                      bool
}

// FunnelStep is one row of campaign_funnel.
type FunnelStep struct {
	Campaign, Group, Step              string
	Members, OfFlagged, OfPrev, Uplift float64
	UpliftP                            float64
}

// Campaigns is the campaigns section: results and the upgrade funnel.
type Campaigns struct {
	Missing []Missing
	Rows    []CampaignRow
	Funnel  []FunnelStep
}

// campaigns reads campaign_results and campaign_funnel of the as_of. As
// for every section, tables without rows for the as_of are missing unless
// the campaigns model has a succeeded run for it (model_runs): such a run
// found no campaign with assignments by then and published no rows.
func (l *loader) campaigns(ctx context.Context, r *Report) error {
	if r.Campaigns.Missing, _ = l.need("campaign_results", "campaign_funnel"); r.Campaigns.Missing != nil {
		return nil
	}
	c := &r.Campaigns
	err := l.each(ctx, "campaigns", l.args(), func(scan func(...any) error) error {
		var x CampaignRow
		var srm, complete uint8
		if err := scan(&x.Campaign, &x.Evidence, &x.Group, &x.Variant, &x.Members, &x.Conversion, &x.RPM,
			&x.Uplift, &x.Lo, &x.Hi, &x.P, &x.RPMUplift, &x.RPMP, &x.Incremental, &x.ROI, &srm, &complete); err != nil {
			return err
		}
		x.SRM, x.Complete = srm == 1, complete == 1
		c.Rows = append(c.Rows, x)
		return nil
	})
	if err != nil {
		return err
	}
	return l.each(ctx, "campaign_funnel", l.args(), func(scan func(...any) error) error {
		var x FunnelStep
		if err := scan(&x.Campaign, &x.Group, &x.Step, &x.Members, &x.OfFlagged, &x.OfPrev, &x.Uplift, &x.UpliftP); err != nil {
			return err
		}
		c.Funnel = append(c.Funnel, x)
		return nil
	})
}

// rowName is "C1", "C1 · A" for a variant.
func (x CampaignRow) rowName() string {
	if x.Variant == "" {
		return x.Campaign
	}
	return x.Campaign + " · " + x.Variant
}

func campaignSection(r *Report, f Format) Block {
	l := f.Lang
	c := r.Campaigns
	s := Block{ID: "campaigns", Title: l.T("campaigns"), Notices: notices(l, c.Missing), Note: l.T("campaigns_note")}
	if s.Notices != nil {
		return s
	}
	s.Defs = []Def{
		{l.T("def_attribution_window"), param(r, f, "campaigns", "window_days", days(f)) + " · " + l.T("def_attribution_window_text")},
		{l.T("uplift"), l.T("def_uplift_text")},
		{l.T("srm"), l.T("def_srm_text")},
		{l.T("def_currency"), currencyText(f)},
	}
	if len(c.Rows) == 0 {
		s.Note = l.T("no_campaigns")
		return s
	}
	pp := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return signed(f.Dec(v*100, 1)) + " " + l.T("pp")
	}
	pv := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		if v < 0.001 {
			return "< 0.001"
		}
		return f.Dec(v, 3)
	}
	money := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return f.Money(v)
	}
	t := Table{Head: []string{l.T("campaign"), l.T("evidence"), l.T("group"), l.T("members"), l.T("conversion"), l.T("uplift"), l.T("ci95"), "p",
		l.T("revenue_per_member"), l.T("incremental_revenue"), l.T("roi"), l.T("srm")},
		Num: []bool{false, false, false, true, true, true, true, true, true, true, true, false}}
	var bars ErrorBars
	for _, x := range c.Rows {
		ci := "–"
		if !math.IsNaN(x.Lo) {
			ci = "[" + pp(x.Lo) + ", " + pp(x.Hi) + "]"
		}
		roi := "–"
		if !math.IsNaN(x.ROI) {
			roi = f.Pct(x.ROI)
		}
		srm := ""
		if x.SRM {
			srm = l.T("srm_flag")
		}
		name := x.rowName()
		if !x.Complete {
			name += " *"
		}
		t.Rows = append(t.Rows, []string{name, l.Name(x.Evidence), l.Name(x.Group), f.Int(x.Members), f.Pct(x.Conversion), pp(x.Uplift), ci, pv(x.P),
			money(x.RPM), money(x.Incremental), roi, srm})
		if !math.IsNaN(x.Lo) {
			bars.Labels = append(bars.Labels, name)
			bars.Est, bars.Lo, bars.Hi = append(bars.Est, x.Uplift), append(bars.Lo, x.Lo), append(bars.Hi, x.Hi)
		}
	}
	s.Tables = []Table{t}
	if len(bars.Labels) > 0 {
		bars.Name, bars.Label, bars.Value = "campaign_uplift", l.T("campaign_uplift"), pp
		bars.XTitle, bars.YTitle = f.Unit(l.T("uplift"), l.T("pp")), l.T("campaign_axis_rows")
		s.Charts = []Chart{{l.T("campaign_uplift"), bars.SVG()}}
	}
	if len(c.Funnel) > 0 {
		ft := Table{Caption: l.T("upgrade_funnel"), Head: []string{l.T("campaign"), l.T("group"), l.T("step"), l.T("members"), l.T("of_flagged"), l.T("of_previous"), l.T("uplift"), "p"},
			Num: []bool{false, false, false, true, true, true, true, true}}
		for _, x := range c.Funnel {
			pct := func(v float64) string {
				if math.IsNaN(v) {
					return "–"
				}
				return f.Pct(v)
			}
			ft.Rows = append(ft.Rows, []string{x.Campaign, l.Name(x.Group), l.Name(x.Step), f.Int(x.Members), pct(x.OfFlagged), pct(x.OfPrev), pp(x.Uplift), pv(x.UpliftP)})
		}
		s.Tables = append(s.Tables, ft)
	}
	return s
}

// ErrorBars draws one horizontal interval per label: the estimate as a
// dot, its interval as a bar, and a vertical line at zero.
type ErrorBars struct {
	Name, Label string
	Labels      []string
	Est, Lo, Hi []float64
	Value       func(float64) string
	// XTitle names the value axis, unit included; YTitle the rows.
	XTitle, YTitle string
}

// SVG draws the error bars.
func (e ErrorBars) SVG() template.HTML {
	const left, right, rowH, top, titleH = 140, 30, 28, 10, 22
	w := 640
	h := top + rowH*len(e.Labels) + 30 + titleH
	lo, hi := 0.0, 0.0
	for i := range e.Labels {
		lo, hi = math.Min(lo, e.Lo[i]), math.Max(hi, e.Hi[i])
	}
	if hi == lo {
		hi = lo + 1
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	x := func(v float64) float64 { return left + (v-lo)/(hi-lo)*float64(w-left-right) }
	var b strings.Builder
	svgOpen(&b, e.Name, e.Label, w, h)
	base := h - titleH // the tick labels' baseline is 10 above it
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-dasharray="3,3"/>`, x(0), top, x(0), base-24)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">0</text>`, x(0), base-10)
	for _, v := range []float64{lo + pad, hi - pad} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%s</text>`, x(v), base-10, esc(e.Value(v)))
	}
	if e.XTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title x-title" x="%d" y="%d" text-anchor="middle">%s</text>`, left+(w-left-right)/2, h-6, esc(e.XTitle))
	}
	if e.YTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title y-title" transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text>`, top+rowH*len(e.Labels)/2, esc(e.YTitle))
	}
	for i, name := range e.Labels {
		y := top + rowH*i + rowH/2
		tip := fmt.Sprintf("%s: %s [%s, %s]", name, e.Value(e.Est[i]), e.Value(e.Lo[i]), e.Value(e.Hi[i]))
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(tip))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end" dominant-baseline="middle">%s</text>`, left-8, y, esc(name))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`, x(e.Lo[i]), y, x(e.Hi[i]), y, palette[0])
		for _, v := range []float64{e.Lo[i], e.Hi[i]} {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`, x(v), y-5, x(v), y+5, palette[0])
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="4" fill="%s"/></g>`, x(e.Est[i]), y, palette[1])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
