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
		{PlaceTrends, []Block{trendSection(r, f)}}, {PlaceFilters, []Block{filterSection(r, f)}}}
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
