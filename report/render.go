package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

//go:embed page.html.tmpl
var pageTmpl string

//go:embed style.css
var styleCSS string

var pageTemplate = template.Must(template.New("page").Parse(pageTmpl))

// Options are the presentation settings of a page.
type Options struct {
	// Lang is the label language; empty means English.
	Lang Lang
	// Currency is put before money amounts ("¥", "$", "€"); may be empty.
	Currency string
	// Nav links the page to /  and /runs, for the served pages.
	Nav bool
}

func (o Options) format() Format {
	l := o.Lang
	if l == "" {
		l = English
	}
	return Format{Lang: l, Currency: o.Currency}
}

// page is what the template shows.
type page struct {
	Lang, HTMLLang string
	Title          string
	Subtitle       string
	Generated      string
	CSS            template.CSS
	Nav            bool
	NavReport      string
	NavRuns        string
	NotAvailable   string
	// DefsTitle heads the definitions boxes; CSVLabel is the text of the
	// CSV download links.
	DefsTitle, CSVLabel string
	Sections            []Block
}

type kpiView struct {
	Label, Value, Change, Dir, Prev string
}

type Block struct {
	ID, Title string
	Notices   []string
	// Defs is the section's definitions box: its windows, horizons and
	// units as the models used them (explain.go).
	Defs   []Def
	KPIs   []kpiView
	Stats  []Stat
	Filter *filter
	Charts []Chart
	Tables []Table
	Note   string
}

type Stat struct{ Label, Value, Sub string }

type Chart struct {
	Title string
	SVG   template.HTML
}

type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
	// Num marks the numeric columns (right-aligned).
	Num []bool
	// File names the table's CSV download (default: the section's ID);
	// CSV is the download itself, a data: URI that Render sets.
	File string
	CSV  template.URL
}

// Render writes the report as one self-contained HTML page: styles and
// charts inline, no scripts, fonts or links to fetch.
func Render(w io.Writer, r *Report, opt Options) error {
	if err := pageTemplate.Execute(w, reportPage(r, opt)); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// reportPage builds the page of r: its sections, each table with its CSV.
func reportPage(r *Report, opt Options) page {
	f := opt.format()
	l := f.Lang
	p := basePage(opt, l.T("title"))
	p.Subtitle = l.T("as_of") + " " + r.AsOf.Format(asof.Layout) + " · "
	if r.Prev.IsZero() {
		p.Subtitle += l.T("no_previous")
	} else {
		p.Subtitle += l.T("compared_with") + " " + r.Prev.Format(asof.Layout)
	}
	p.Generated = l.T("generated_at") + " " + r.GeneratedAt.Format("2006-01-02 15:04 UTC")
	kpiSec := Block{ID: "kpis", Title: l.T("kpis"), Notices: notices(l, r.KPIMissing), Note: l.T("kpi_note")}
	for _, k := range r.KPIs {
		kpiSec.KPIs = append(kpiSec.KPIs, viewKPI(k, f))
	}
	kpiSec.Defs = kpiDefs(r, f)
	own := []placed{{0, []Block{kpiSec}},
		{130, []Block{churnSection(r, f)}},
		{140, []Block{tierSection(r, f)}}, {150, []Block{lifecycleSection(r, f)}}, {160, []Block{potentialSection(r, f)}},
		{170, []Block{engagementSection(r, f)}}, {PlaceTrends, []Block{trendSection(r, f)}}, {PlaceFilters, []Block{filterSection(r, f)}},
		{210, []Block{campaignSection(r, f)}}, {220, []Block{categorySection(r, f)}}, {230, breakdownSections(r, f)}}
	p.Sections = arrange(append(own, sectionBlocks(r, f)...))
	withDownloads(p.Sections)
	return p
}

func basePage(opt Options, title string) page {
	l := opt.format().Lang
	return page{
		Lang: string(l), HTMLLang: l.HTMLLang(), Title: title, CSS: template.CSS(styleCSS),
		Nav: opt.Nav, NavReport: l.T("nav_report"), NavRuns: l.T("nav_runs"), NotAvailable: l.T("not_available"),
		DefsTitle: l.T("definitions"), CSVLabel: l.T("download_csv"),
	}
}

// notices words the missing outputs in language l.
func notices(l Lang, ms []Missing) []string {
	var out []string
	for _, m := range ms {
		out = append(out, Notice(l, m))
	}
	return out
}

// Notice words one missing model output in language l.
func Notice(l Lang, m Missing) string {
	switch m.Reason {
	case NoColumns:
		return fmt.Sprintf(l.T("missing_no_columns"), m.Table, m.Model, strings.Join(m.Columns, ", "))
	case NoPartition:
		return fmt.Sprintf(l.T("missing_no_partition"), m.Model, m.AsOf, m.Table)
	default:
		return fmt.Sprintf(l.T("missing_no_table"), m.Model, m.Table)
	}
}

func viewKPI(k KPI, f Format) kpiView {
	v := kpiView{Label: f.Lang.T(k.Key), Change: "–", Dir: "flat"}
	val := func(x float64) string {
		switch k.Kind {
		case Money:
			return f.Money(x)
		case Share:
			return f.Pct(x)
		default:
			return f.Int(x)
		}
	}
	v.Value = val(k.Cur)
	if k.HasPrev {
		v.Prev = f.Lang.T("previous") + " " + val(k.Prev)
		if k.Kind == Share {
			v.Change = f.PointChange(k.Cur, k.Prev)
		} else {
			v.Change = f.Change(k.Cur, k.Prev)
		}
		d := k.Cur - k.Prev
		switch {
		case math.IsNaN(d) || math.Abs(d) < 1e-12:
		case d > 0:
			v.Dir = "up"
		default:
			v.Dir = "down"
		}
		if v.Dir != "flat" && (d > 0) == k.LowerIsBetter {
			v.Dir += " worse"
		} else if v.Dir != "flat" {
			v.Dir += " better"
		}
	}
	return v
}

// change writes cur's change from prev, or "–" without a previous as_of.
func change(f Format, cur, prev float64, hasPrev bool) string {
	if !hasPrev {
		return "–"
	}
	return f.Change(cur, prev)
}

func churnSection(r *Report, f Format) Block {
	l := f.Lang
	s := Block{ID: "churn", Title: l.T("churn"), Notices: notices(l, r.Churn.Missing)}
	if s.Notices != nil {
		return s
	}
	var bands []string
	var now, before []float64
	for _, b := range r.Churn.Bands {
		bands = append(bands, l.Name(b.Name))
		now = append(now, b.Members)
		before = append(before, b.MembersPrev)
	}
	series := []Series{{r.AsOf.Format(asof.Layout), now}}
	if r.Churn.HasPrev {
		series = append([]Series{{r.Prev.Format(asof.Layout), before}}, series...)
	}
	var bins []string
	for i := 0; i < 10; i++ {
		bins = append(bins, fmt.Sprintf("%d–%d%%", i*10, i*10+10))
	}
	s.Charts = []Chart{
		{l.T("churn_bands"), Bars{Name: "churn_bands", Label: l.T("churn_bands"), Categories: bands, Series: series, Value: f.Compact,
			XTitle: l.T("risk_band"), YTitle: f.Unit(l.T("members"), l.T("unit_count"))}.SVG()},
		{l.T("churn_histogram"), Bars{Name: "churn_histogram", Label: l.T("churn_histogram"), Categories: bins, Series: []Series{{l.T("members"), r.Churn.Hist[:]}}, Value: f.Compact,
			XTitle: f.Unit(l.T("churn_probability"), "%"), YTitle: f.Unit(l.T("members"), l.T("unit_count"))}.SVG()},
	}
	s.Defs = []Def{
		{l.T("def_horizon"), param(r, f, "churn", "horizon_days", days(f))},
		{l.T("churn_probability"), fmt.Sprintf(l.T("def_churn_text"), param(r, f, "churn", "horizon_days", days(f)))},
		{l.T("risk_band"), l.T("def_bands_text")},
	}
	q := r.Churn.Quality
	if q == nil {
		s.Note = l.T("no_quality")
		return s
	}
	s.Stats = []Stat{
		{l.T("auc"), f.Dec(q.AUC, 3), ""},
		{l.T("baseline_auc"), f.Dec(q.BaselineAUC, 3), signed(f.Dec(q.AUC-q.BaselineAUC, 3))},
		{l.T("lift_top"), f.Dec(q.LiftTop, 2) + "×", ""},
	}
	dec := func(n int) []string {
		var c []string
		for i := 1; i <= n; i++ {
			c = append(c, strconv.Itoa(i))
		}
		return c
	}
	if len(q.Predicted) > 0 {
		s.Charts = append(s.Charts, Chart{l.T("calibration"), Bars{Name: "churn_calibration", Label: l.T("calibration"), Categories: dec(len(q.Predicted)), Series: []Series{{l.T("predicted"), q.Predicted}, {l.T("observed"), q.Observed}}, Value: f.Pct, Lines: true,
			XTitle: l.T("score_decile"), YTitle: f.Unit(l.T("churn_rate"), "%")}.SVG()})
	}
	if len(q.Lift) > 0 {
		s.Charts = append(s.Charts, Chart{l.T("lift"), Bars{Name: "churn_lift", Label: l.T("lift"), Categories: dec(len(q.Lift)), Series: []Series{{l.T("lift"), q.Lift}}, Value: func(v float64) string { return f.Dec(v, 1) + "×" },
			XTitle: l.T("score_decile"), YTitle: f.Unit(l.T("lift_axis"), "×")}.SVG()})
	}
	return s
}

func tierSection(r *Report, f Format) Block {
	l := f.Lang
	t := r.Tiers
	s := Block{ID: "tiers", Title: l.T("tiers"), Notices: notices(l, t.Missing)}
	if s.Notices != nil {
		return s
	}
	series := []Series{{r.AsOf.Format(asof.Layout), t.Counts}}
	if t.HasPrev {
		series = append([]Series{{r.Prev.Format(asof.Layout), t.CountsPrev}}, series...)
	}
	s.Charts = []Chart{{l.T("tier_distribution"), Bars{Name: "tier_distribution", Label: l.T("tier_distribution"), Categories: names(l, t.Names), Series: series, Value: f.Compact,
		XTitle: l.T("tier"), YTitle: f.Unit(l.T("members"), l.T("unit_count"))}.SVG()}}
	s.Defs = []Def{
		{l.T("def_window"), param(r, f, "tiers", "window_days", days(f)) + " · " + l.T("def_tier_window")},
		{l.T("upgraded"), l.T("def_upgraded")},
	}
	if t.HasPrev {
		s.Charts = append(s.Charts, Chart{l.T("tier_migration"), HeatMap{Name: "tier_migration", Label: l.T("tier_migration"), Rows: names(l, t.From), Cols: names(l, t.Names), RowTitle: l.T("from"), ColTitle: l.T("to"), Values: t.Matrix, Text: f.Compact}.SVG()})
		s.Stats = []Stat{
			{l.T("upgraded"), f.Int(t.Upgraded), ""},
			{l.T("downgraded"), f.Int(t.Downgraded), ""},
		}
	}
	for _, r := range []struct {
		key  string
		rate *Rate
	}{{"upgrade_conversion", t.Conversion}, {"upgrade_retention", t.Retention}} {
		if r.rate != nil {
			s.Stats = append(s.Stats, Stat{l.T(r.key), f.Pct(r.rate.Value), f.Int(math.Round(r.rate.Value*r.rate.Base)) + " / " + f.Int(r.rate.Base)})
		}
	}
	return s
}

func names(l Lang, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = l.Name(x)
	}
	return out
}

func lifecycleSection(r *Report, f Format) Block {
	l := f.Lang
	fl := r.Lifecycle
	s := Block{ID: "lifecycle", Title: l.T("lifecycle"), Notices: notices(l, fl.Missing)}
	if s.Notices != nil {
		return s
	}
	s.Charts = []Chart{{l.T("lifecycle_flow"), FlowChart{Name: "lifecycle_flow", Label: l.T("lifecycle_flow"), From: fl.From, To: fl.To, Counts: fl.Counts, Value: f.Compact, State: l.Name,
		FromTitle: prevTitle(r, l), ToTitle: r.AsOf.Format(asof.Layout)}.SVG()}}
	s.Defs = []Def{
		{l.Name("silent"), fmt.Sprintf(l.T("def_stage_after"), param(r, f, "lifecycle", "silent_days", days(f)))},
		{l.Name("sleeping"), fmt.Sprintf(l.T("def_stage_after"), param(r, f, "lifecycle", "sleeping_days", days(f)))},
		{l.Name("churned"), fmt.Sprintf(l.T("def_stage_after"), param(r, f, "lifecycle", "churned_days", days(f)))},
		{l.T("def_flow"), l.T("def_flow_text")},
	}
	t := Table{Head: append([]string{l.T("from") + " \\ " + l.T("to")}, names(l, fl.To)...)}
	t.Num = []bool{false}
	for range fl.To {
		t.Num = append(t.Num, true)
	}
	for i, from := range fl.From {
		row := []string{l.Name(from)}
		for _, v := range fl.Counts[i] {
			row = append(row, f.Int(v))
		}
		t.Rows = append(t.Rows, row)
	}
	s.Tables = []Table{t}
	return s
}

func potentialSection(r *Report, f Format) Block {
	l := f.Lang
	p := r.Potential
	s := Block{ID: "potential", Title: l.T("potential"), Notices: notices(l, p.Missing)}
	if s.Notices != nil {
		return s
	}
	var cats []string
	var now, before []float64
	for _, x := range p.Reasons {
		cats = append(cats, l.Name(x.Name))
		now = append(now, x.Members)
		before = append(before, x.MembersPrev)
	}
	series := []Series{{r.AsOf.Format(asof.Layout), now}}
	if p.HasPrev {
		series = append([]Series{{r.Prev.Format(asof.Layout), before}}, series...)
	}
	s.Stats = []Stat{{l.T("any_reason"), f.Int(p.Any), change(f, p.Any, p.AnyPrev, p.HasPrev)}}
	s.Charts = []Chart{{l.T("potential_by_reason"), Bars{Name: "potential_reasons", Label: l.T("potential_by_reason"), Categories: cats, Series: series, Value: f.Compact,
		XTitle: l.T("reason"), YTitle: f.Unit(l.T("members"), l.T("unit_count"))}.SVG()}}
	s.Defs = []Def{
		{l.T("def_decile_gap"), param(r, f, "potential", "decile_gap", func(v float64) string { return f.Int(v) })},
		{l.T("any_reason"), l.T("def_any_reason")},
	}
	return s
}

// Run is one job run as listed on /runs.
type Run struct {
	Job, AsOf, Trigger, Status string
	Attempt                    int
	Started, Finished          time.Time
	// Duration is job_runs.duration_ms: the run's time to the millisecond.
	Duration time.Duration
	RowsOut  float64
	Error    string
}

// Scheduled is a job's next scheduled run.
type Scheduled struct {
	Job string
	At  time.Time
}

// RenderRuns writes the job runs page: the latest runs (missing, when the
// job_runs table does not exist yet, shows a notice) and the next
// scheduled runs.
func RenderRuns(w io.Writer, runs []Run, missing *Missing, next []Scheduled, opt Options) error {
	f := opt.format()
	l := f.Lang
	p := basePage(opt, l.T("runs"))
	s := Block{ID: "runs", Title: l.T("runs")}
	if missing != nil {
		s.Notices = []string{Notice(l, *missing)}
	} else if len(runs) == 0 {
		s.Note = l.T("no_runs")
	} else {
		t := Table{Head: []string{l.T("job"), l.T("as_of"), l.T("trigger"), l.T("status"), l.T("attempt"), l.T("started"), l.T("duration"), l.T("rows"), l.T("error")},
			Num: []bool{false, false, false, false, true, false, true, true, false}}
		for _, r := range runs {
			dur := "–"
			if !r.Finished.IsZero() && r.Finished.Unix() > 0 {
				dur = fmt.Sprintf("%.2f s", r.Duration.Seconds())
			}
			t.Rows = append(t.Rows, []string{r.Job, r.AsOf, r.Trigger, l.Name(r.Status), strconv.Itoa(r.Attempt), r.Started.UTC().Format("2006-01-02 15:04:05"), dur, f.Int(r.RowsOut), r.Error})
		}
		s.Tables = append(s.Tables, t)
	}
	if len(next) > 0 {
		t := Table{Caption: l.T("next_runs"), Head: []string{l.T("job"), l.T("at")}, Num: []bool{false, false}}
		for _, n := range next {
			t.Rows = append(t.Rows, []string{n.Job, n.At.UTC().Format("2006-01-02 15:04:05 UTC")})
		}
		s.Tables = append(s.Tables, t)
	}
	p.Sections = []Block{s}
	withDownloads(p.Sections)
	if err := pageTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("render runs: %w", err)
	}
	return nil
}

// prevTitle names the previous as_of, or says there is none.
func prevTitle(r *Report, l Lang) string {
	if r.Prev.IsZero() {
		return l.T("no_previous")
	}
	return r.Prev.Format(asof.Layout)
}
