package report

import (
	"math"
	"sort"
	"strings"
)

// Point is one headline figure at one as_of.
type Point struct {
	AsOf  string
	Value float64
}

// Trend is one headline figure (KPI key) at every as_of, up to the
// report's, at which its model wrote rows; oldest first.
type Trend struct {
	Key    string
	Kind   KPIKind
	Points []Point
}

// newTrend builds key's trend from its per-as_of query rows.
func newTrend(key string, kind KPIKind, rows map[string][]float64, val func([]float64) float64) Trend {
	t := Trend{Key: key, Kind: kind}
	for d, v := range rows {
		t.Points = append(t.Points, Point{AsOf: d, Value: val(v)})
	}
	sort.Slice(t.Points, func(a, b int) bool { return t.Points[a].AsOf < t.Points[b].AsOf })
	return t
}

// trendSection draws one line chart per headline figure over every as_of
// in the database up to the report's, and a table of them all.
func trendSection(r *Report, f Format) Block {
	l := f.Lang
	s := Block{ID: "trends", Title: l.T("trends"), Notices: notices(l, r.KPIMissing)}
	if len(r.Trends) == 0 {
		if s.Notices == nil {
			s.Note = l.T("no_trends")
		}
		return s
	}
	dates := map[string]bool{}
	for _, t := range r.Trends {
		for _, p := range t.Points {
			dates[p.AsOf] = true
		}
	}
	var cats []string
	for d := range dates {
		cats = append(cats, d)
	}
	sort.Strings(cats)
	pos := map[string]int{}
	for i, d := range cats {
		pos[d] = i
	}
	s.Defs = []Def{
		{l.T("def_as_ofs"), strings.Join([]string{cats[0], cats[len(cats)-1]}, " – ") + " · " + f.Int(float64(len(cats))) + " " + l.T("as_ofs_n")},
		{l.T("def_trend_point"), l.T("def_trend_point_text")},
		{l.T("def_currency"), currencyText(f)},
	}
	t := Table{Head: []string{l.T("as_of")}, Num: []bool{false}}
	rows := make([][]string, len(cats))
	for i, d := range cats {
		rows[i] = []string{d}
	}
	for _, tr := range r.Trends {
		vals := make([]float64, len(cats))
		for i := range vals {
			vals[i] = math.NaN()
		}
		for _, p := range tr.Points {
			vals[pos[p.AsOf]] = p.Value
		}
		label := l.T(tr.Key)
		unit, tick := kindUnit(f, tr.Kind)
		s.Charts = append(s.Charts, Chart{label, Bars{Name: "trend_" + strings.TrimPrefix(tr.Key, "kpi_"), Label: label, Categories: cats,
			Series: []Series{{label, vals}}, Value: tick, Lines: true, Dense: true, XTitle: l.T("as_of"), YTitle: f.Unit(label, unit)}.SVG()})
		t.Head = append(t.Head, f.Unit(label, unit))
		t.Num = append(t.Num, true)
		for i, v := range vals {
			rows[i] = append(rows[i], kindValue(f, tr.Kind, v))
		}
	}
	t.Rows = rows
	s.Tables = []Table{t}
	return s
}

// kindUnit returns the unit of a kind of figure and how chart ticks
// write it.
func kindUnit(f Format, k KPIKind) (string, func(float64) string) {
	switch k {
	case Money:
		return f.MoneyUnit(), f.MoneyCompact
	case Share:
		return "%", f.Pct
	default:
		return f.Lang.T("unit_count"), f.Compact
	}
}

// kindValue writes v as a figure of kind k is written in tables.
func kindValue(f Format, k KPIKind, v float64) string {
	switch k {
	case Money:
		return f.Money(v)
	case Share:
		return f.Pct(v)
	default:
		return f.Int(v)
	}
}
