package report

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// PointsTier is the points programme of one tier (or all) at the as_of,
// with the previous as_of's outstanding points and liability.
type PointsTier struct {
	Name                                                 string
	Members, Outstanding, Liability                      float64
	EarnPerActive, Redemption, Breakage, BreakageSettled float64 // NaN without a denominator
	OutstandingPrev, LiabilityPrev                       float64
	HasPrev                                              bool
}

// Points is the points section: the programme's liability and rates per
// tier (model points, table points_programme).
type Points struct {
	Missing []Missing
	// All is the whole programme; Tiers the tiers in level order.
	All   PointsTier
	Tiers []PointsTier
	// Currency is the model's currency of liability; WindowDays the
	// window of the rates.
	Currency   string
	WindowDays float64
}

func (l *loader) points(ctx context.Context, r *Report) error {
	r.Points.Missing, _ = l.need("points_programme")
	if r.Points.Missing != nil {
		return nil
	}
	p := &r.Points
	prev := map[string]PointsTier{}
	err := l.each(ctx, "points", l.args(), func(scan func(...any) error) error {
		var d, cur string
		var x PointsTier
		if err := scan(&d, &x.Name, &x.Members, &x.Outstanding, &x.Liability, &x.EarnPerActive, &x.Redemption,
			&x.Breakage, &x.BreakageSettled, &cur, &p.WindowDays); err != nil {
			return err
		}
		if d != l.asOf {
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
		return err
	}
	for _, x := range append([]*PointsTier{&p.All}, pointers(p.Tiers)...) {
		if b, ok := prev[x.Name]; ok {
			x.OutstandingPrev, x.LiabilityPrev, x.HasPrev = b.Outstanding, b.Liability, true
		}
	}
	return nil
}

func pointers[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

func pointsSection(r *Report, f Format) section {
	l := f.Lang
	p := r.Points
	s := section{ID: "points", Title: l.T("points"), Notices: notices(l, p.Missing)}
	if s.Notices != nil {
		return s
	}
	if p.Currency != "" {
		f.Currency = p.Currency
	}
	pct := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return f.Pct(v)
	}
	a := p.All
	s.Stats = []stat{
		{l.T("points_liability"), f.Money(a.Liability), change(f, a.Liability, a.LiabilityPrev, a.HasPrev)},
		{l.T("points_outstanding"), f.Int(a.Outstanding), change(f, a.Outstanding, a.OutstandingPrev, a.HasPrev)},
		{l.T("points_redemption_rate"), pct(a.Redemption), ""},
		{l.T("points_breakage_settled"), pct(a.BreakageSettled), ""},
	}
	t := table{Head: []string{l.T("points_tier"), l.T("members"), l.T("points_outstanding"), l.T("points_liability"),
		l.T("points_earn_per_active"), l.T("points_redemption_rate"), l.T("points_breakage_window"), l.T("points_breakage_settled")},
		Num: []bool{false, true, true, true, true, true, true, true}}
	var cats []string
	var now, before []float64
	hasPrev := true
	for _, x := range append([]PointsTier{a}, p.Tiers...) {
		name := l.Name(x.Name)
		if x.Name == "all" {
			name = l.T("points_all")
		}
		earn := "–"
		if !math.IsNaN(x.EarnPerActive) {
			earn = f.Dec(x.EarnPerActive, 1)
		}
		t.Rows = append(t.Rows, []string{name, f.Int(x.Members), f.Int(x.Outstanding), f.Money(x.Liability), earn,
			pct(x.Redemption), pct(x.Breakage), pct(x.BreakageSettled)})
		if x.Name != "all" {
			cats = append(cats, name)
			now = append(now, x.Liability)
			before = append(before, x.LiabilityPrev)
			hasPrev = hasPrev && x.HasPrev
		}
	}
	s.Tables = []table{t}
	if len(cats) > 0 {
		series := []Series{{r.AsOf.Format(asof.Layout), now}}
		if hasPrev && !r.Prev.IsZero() {
			series = append([]Series{{r.Prev.Format(asof.Layout), before}}, series...)
		}
		s.Charts = []chart{{l.T("points_liability_by_tier"), Bars{Name: "points_liability", Label: l.T("points_liability_by_tier"),
			Categories: cats, Series: series, Value: f.Compact,
			XTitle: l.T("points_tier"), YTitle: f.Unit(l.T("points_liability"), f.MoneyUnit())}.SVG()}}
	}
	s.Defs = []def{
		{l.T("def_window"), param(r, f, "points", "window_days", days(f)) + " · " + l.T("def_points_window")},
		{l.T("def_value_per_point"), param(r, f, "points", "value_per_point", func(v float64) string { return f.Money(v) }) + " · " + l.T("def_value_per_point_text")},
		{l.T("def_currency"), currencyText(f)},
	}
	s.Note = strings.ReplaceAll(l.T("points_note"), "{days}", strconv.FormatFloat(p.WindowDays, 'f', 0, 64))
	return s
}
