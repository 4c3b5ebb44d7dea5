package report

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func buildPage(t *testing.T, r *Report, opt Options) page {
	t.Helper()
	return reportPage(r, opt)
}

// decodeCSV reads a data: URI made by csvURI back into rows.
func decodeCSV(t *testing.T, uri string) [][]string {
	t.Helper()
	const prefix = "data:text/csv;charset=utf-8,"
	if !strings.HasPrefix(uri, prefix) {
		t.Fatalf("CSV link %.40q does not start with %q", uri, prefix)
	}
	data, err := url.PathUnescape(strings.TrimPrefix(uri, prefix))
	if err != nil {
		t.Fatalf("unescape CSV link: %v", err)
	}
	if !strings.HasPrefix(data, csvBOM) {
		t.Errorf("CSV lacks the UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, csvBOM))).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

func TestCSVDownloadsHoldTheTables(t *testing.T) {
	t.Parallel()
	for _, l := range Langs {
		opt := Options{Lang: l, Currency: "¥"}
		p := buildPage(t, sampleReport(), opt)
		out := raw(t, sampleReport(), opt)
		files := map[string]bool{}
		n := 0
		for _, s := range p.Sections {
			for _, tb := range s.Tables {
				n++
				if files[tb.File] || !strings.HasPrefix(tb.File, s.ID) || !strings.HasSuffix(tb.File, ".csv") {
					t.Errorf("%s: table file %q repeats or is not named after section %s", l, tb.File, s.ID)
				}
				files[tb.File] = true
				got := decodeCSV(t, string(tb.CSV))
				want := append([][]string{tb.Head}, tb.Rows...)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: %s decodes to\n%v\nwant the table's rows\n%v", l, tb.File, got, want)
				}
				link := fmt.Sprintf(`<a download="%s" href="%s">`, tb.File, html.EscapeString(string(tb.CSV)))
				if !strings.Contains(out, link) {
					t.Errorf("%s: page lacks the download link of %s", l, tb.File)
				}
			}
		}
		// trends, filters; the models' own sections are tested in their
		// folders.
		if n != 2 || strings.Count(out, `download="`) != n {
			t.Errorf("%s: %d tables, %d download links; want 2 of each", l, n, strings.Count(out, `download="`))
		}
	}
	// Chinese text, commas and quotes survive the round trip.
	tb := Table{Head: []string{"分群", `a "b", c`}, Rows: [][]string{{"冠军客户", "¥1,234.00"}}}
	ss := []Block{{ID: "x", Tables: []Table{tb, tb}}}
	withDownloads(ss)
	if got := decodeCSV(t, string(ss[0].Tables[0].CSV)); fmt.Sprint(got) != fmt.Sprint([][]string{tb.Head, tb.Rows[0]}) {
		t.Errorf("round trip = %q", got)
	}
	if ss[0].Tables[1].File != "x_2.csv" {
		t.Errorf("second table file = %q, want x_2.csv", ss[0].Tables[1].File)
	}
}

func TestDefinitionsUseRecordedParams(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	p := buildPage(t, r, Options{Lang: English, Currency: "¥"})
	defs := map[string]string{}
	for _, s := range p.Sections {
		if len(s.Defs) == 0 {
			t.Errorf("section %s has no definitions box", s.ID)
		}
		for _, d := range s.Defs {
			defs[s.ID+"/"+d.Term] = d.Value
		}
	}
	for k, want := range map[string]string{} {
		if !strings.Contains(defs[k], want) {
			t.Errorf("definition %s = %q, want it to contain %q", k, defs[k], want)
		}
	}
	// A value the models did not record says so instead of a guess.
	delete(r.Params["rfm"], "window_days")
	found := false
	for _, s := range buildPage(t, r, Options{Lang: Chinese}).Sections {
		for _, d := range s.Defs {
			if s.ID == "filters" && strings.Contains(d.Value, "model_params window_days") {
				found = true
				if !strings.Contains(d.Value, "该数据日期未记录（模型 rfm，model_params window_days）") {
					t.Errorf("unrecorded spend window reads %q", d.Value)
				}
			}
		}
	}
	if !found {
		t.Error("the filters' definitions do not name the unrecorded window")
	}
}

func TestChartsHaveAxisTitles(t *testing.T) {
	t.Parallel()
	for _, l := range Langs {
		out := raw(t, sampleReport(), Options{Lang: l, Currency: "¥"})
		svgs := regexp.MustCompile(`(?s)<svg class="chart" data-chart="([^"]+)".*?</svg>`).FindAllStringSubmatch(out, -1)
		if len(svgs) < len(chartNames) {
			t.Fatalf("%s: %d charts, want at least %d", l, len(svgs), len(chartNames))
		}
		for _, m := range svgs {
			name, svg := m[1], m[0]
			switch {
			case strings.Contains(svg, `class="grid"`): // bars and lines
				if !strings.Contains(svg, `class="axis-title x-title"`) || !strings.Contains(svg, `class="axis-title y-title"`) {
					t.Errorf("%s: chart %s lacks an x or y axis title", l, name)
				}
			default: // heat maps and the flow
				if strings.Count(svg, `class="axis-title`) < 2 {
					t.Errorf("%s: chart %s has fewer than two axis titles", l, name)
				}
			}
		}
		// Units: members, the currency and percentages are named.
		for _, want := range map[Lang][]string{English: {"Members (count)", "Repurchase rate (%)"}, Chinese: {"会员数（人）"}}[l] {
			if !strings.Contains(html.UnescapeString(out), want) {
				t.Errorf("%s: page lacks the axis or column title %q", l, want)
			}
		}
	}
}

func TestMoneyIsWrittenOneWay(t *testing.T) {
	t.Parallel()
	out := render(t, sampleReport(), Options{Lang: English, Currency: "¥"})
	// Table cells and cards: two decimals always; charts: the short form.
	cells := regexp.MustCompile(`<td class="num">(-?¥[^<]*)</td>`).FindAllStringSubmatch(out, -1)
	if len(cells) == 0 {
		t.Fatal("no money cells")
	}
	for _, c := range cells {
		if !regexp.MustCompile(`^-?¥\d{1,3}(,\d{3})*\.\d\d$`).MatchString(c[1]) {
			t.Errorf("money cell %q is not ¥#,##0.00", c[1])
		}
	}
	if strings.Contains(out, "¥-") {
		t.Error("a minus sign after the currency symbol")
	}
}

func TestTrendsOnePointPerAsOf(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	// Repurchase has no row at the first as_of: its line skips it.
	for i := range r.Trends {
		if r.Trends[i].Key == "kpi_repurchase" {
			r.Trends[i].Points = r.Trends[i].Points[1:]
		}
	}
	p := buildPage(t, r, Options{Lang: English, Currency: "¥"})
	for _, s := range p.Sections {
		if s.ID != "trends" {
			continue
		}
		want := map[string]int{"trend_members": 3, "trend_arpu": 3, "trend_repurchase": 2}
		if len(s.Charts) != len(want) {
			t.Errorf("%d trend charts, want %d (one per KPI)", len(s.Charts), len(want))
		}
		for _, c := range s.Charts {
			svg := string(c.SVG)
			name := regexp.MustCompile(`data-chart="([^"]+)"`).FindStringSubmatch(svg)[1]
			if got := strings.Count(svg, `<circle class="mark"`); got != want[name] {
				t.Errorf("%s: %d points, want %d", name, got, want[name])
			}
		}
		tb := s.Tables[0]
		if len(tb.Rows) != 3 || tb.Rows[0][0] != "2026-11-06" || tb.Rows[0][3] != "–" || tb.Rows[2][2] != "¥356.00" {
			t.Errorf("trend table = %v", tb.Rows)
		}
	}
}

func TestFilterPanels(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	for _, l := range Langs {
		p := buildPage(t, r, Options{Lang: l, Currency: "¥"})
		var s Block
		for _, x := range p.Sections {
			if x.ID == "filters" {
				s = x
			}
		}
		if s.Filter == nil {
			t.Fatalf("%s: filter section without a filter", l)
		}
		ids := map[string]bool{}
		checked := 0
		opts := 0
		for _, g := range s.Filter.Groups {
			for _, o := range g.Options {
				opts++
				if ids[o.ID] {
					t.Errorf("%s: option id %s repeats", l, o.ID)
				}
				ids[o.ID] = true
				if o.Checked {
					checked++
				}
			}
		}
		if opts != 1+len(r.Filters.Slices) || checked != 1 || !s.Filter.Groups[0].Options[0].Checked {
			t.Errorf("%s: %d options (%d checked), want all members checked and one per slice (%d)", l, opts, checked, len(r.Filters.Slices))
		}
		// Each dimension's panels show member counts that add up to all members.
		sum := map[string]float64{}
		for _, g := range s.Filter.Groups[1:] {
			for _, o := range g.Options {
				n := strings.ReplaceAll(o.KPIs[0].Value, ",", "")
				var v float64
				fmt.Sscan(n, &v)
				sum[g.Title] += v
			}
		}
		for dim, v := range sum {
			if v != 125400 {
				t.Errorf("%s: %s panels add up to %g members, want 125,400", l, dim, v)
			}
		}
		out := raw(t, r, Options{Lang: l})
		if strings.Count(out, `<input type="radio" name="filters"`) != opts || strings.Count(out, `class="fpanel"`) != opts {
			t.Errorf("%s: page has not one radio and one panel per option", l)
		}
		if strings.Contains(out, "South <b>") {
			t.Errorf("%s: region name not escaped", l)
		}
	}
}

func TestSlicesGatherOther(t *testing.T) {
	t.Parallel()
	vals := map[string]*Figures{}
	var total Figures
	for i := 0; i < 20; i++ {
		x := Figures{Members: float64(100 - i), Active: 1, Buyers: 2, Spend: 3, CLVSum: 4, CLVN: 1, ChurnSum: 0.5, ChurnN: 1}
		vals[fmt.Sprintf("r%02d", i)] = &x
		total.add(x)
	}
	got := dimSlices("region", vals)
	if len(got) != maxSliceValues || got[0].Value != "r00" || got[len(got)-1].Value != otherValue {
		t.Fatalf("slices = %d, first %q, last %q; want %d, the largest first, other last", len(got), got[0].Value, got[len(got)-1].Value, maxSliceValues)
	}
	var sum Figures
	for _, s := range got {
		sum.add(s.Figures)
	}
	if sum != total {
		t.Errorf("slices add up to %+v, want %+v", sum, total)
	}
}
