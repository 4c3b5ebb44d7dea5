package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Section is a model's part of the page, declared in the model's folder
// (models/<name>/report.go) and given to Load, which reads it, and so to
// Render, which lays it out after the report's own sections. Build one
// with NewSection.
type Section struct {
	spec  SectionSpec
	read  func(context.Context, *Input) (any, error)
	build func(any, View) []Block
}

// SectionSpec declares a section.
type SectionSpec struct {
	// ID is the section's anchor and the name of its CSV downloads.
	ID string
	// Sources are the model output tables the section reads and the
	// columns it needs. Load checks them before Read; a missing one
	// becomes a notice through Input.Need.
	Sources []Source
	// Queries are the section's SQL (query.MustParse of its embedded
	// file), run with Input.Each.
	Queries *query.Set
	// Labels are the section's texts by language, read with View.T and
	// View.Name; every language of Langs has the same keys (Check).
	Labels map[Lang]map[string]string
	// Place orders the section on the page: ascending, ties in the order
	// Load was given. The report's headline figures are at 0, its trends
	// at PlaceTrends and its filters at PlaceFilters; zero puts the
	// section last.
	Place int
}

// The places of the report's own blocks that sit between the models'.
const (
	PlaceTrends  = 180
	PlaceFilters = 190
)

// placeLast is where a section without a Place goes.
const placeLast = 1 << 20

// placed is a part of the page and its place.
type placed struct {
	at     int
	blocks []Block
}

// arrange orders the parts by place, ties kept in order.
func arrange(ps []placed) []Block {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].at < ps[j].at })
	var out []Block
	for _, p := range ps {
		out = append(out, p.blocks...)
	}
	return out
}

// NewSection returns the section spec declares, whose read loads the
// figures of the as_of and whose build lays them out (one block, or
// several that stand together on the page).
func NewSection[T any](spec SectionSpec, read func(context.Context, *Input) (T, error), build func(T, View) []Block) Section {
	return Section{
		spec: spec,
		read: func(ctx context.Context, in *Input) (any, error) { return read(ctx, in) },
		build: func(data any, v View) []Block {
			d, _ := data.(T)
			return build(d, v)
		},
	}
}

// ID returns the section's anchor.
func (s Section) ID() string { return s.spec.ID }

// Check reports what is wrong with the declaration: no ID, no sources,
// or labels that differ between languages or shadow the report's own.
func (s Section) Check() error {
	var errs []string
	if s.spec.ID == "" {
		errs = append(errs, "no ID")
	}
	if len(s.spec.Sources) == 0 {
		errs = append(errs, "no sources")
	}
	if s.read == nil || s.build == nil {
		errs = append(errs, "not built with NewSection")
	}
	for _, l := range Langs {
		for k := range s.spec.Labels[l] {
			if _, ok := labels[l][k]; ok {
				errs = append(errs, fmt.Sprintf("label %q (%s) is the report's own", k, l))
			}
			for _, o := range Langs {
				if _, ok := s.spec.Labels[o][k]; !ok {
					errs = append(errs, fmt.Sprintf("label %q is in %s, not in %s", k, l, o))
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return fmt.Errorf("report section %s: %s", s.spec.ID, strings.Join(errs, "; "))
}

// SectionData is one section's figures for the report's as_of, with the
// outputs it found missing.
type SectionData struct {
	Section Section
	Data    any
	Missing []Missing
}

// Input is what a section's read gets: the as_of, the previous as_of, the
// state of its source tables and its queries.
type Input struct {
	l       *loader
	q       *query.Q
	missing []Missing
	// AsOf is the report's as_of and Prev the previous one (YYYY-MM-DD;
	// "1970-01-01" when there is none), as the queries' @as_of and @prev.
	AsOf, Prev string
}

// Need returns the missing outputs among tables (each one of the
// section's Sources) and whether every one has rows at the previous
// as_of. The missing ones are also recorded as the section's notices.
func (in *Input) Need(tables ...string) ([]Missing, bool) {
	ms, hasPrev := in.l.need(tables...)
	in.missing = append(in.missing, ms...)
	return ms, hasPrev
}

// Metrics returns the figures model recorded in model_metrics for the
// as_of; none, and no notice, when model_metrics is missing for it (a
// section's validation figures are optional).
func (in *Input) Metrics(ctx context.Context, model string) (map[string]float64, error) {
	if ms, _ := in.l.need("model_metrics"); ms != nil {
		return nil, nil
	}
	return in.l.metrics(ctx, model)
}

// Each runs the section's query name with @as_of, @prev and args, and
// calls fn for every row.
func (in *Input) Each(ctx context.Context, name string, fn func(scan func(...any) error) error, args ...any) error {
	return in.q.Each(ctx, name, nil, in.l.args(args...), func(r warehouse.Rows) error { return fn(r.Scan) })
}

// View is what a section's build lays its figures out with: the page's
// number formats, language and currency, the as_of dates and the values
// the models recorded.
type View struct {
	Format
	// AsOf is the report's as_of; Prev the previous one, zero when none.
	AsOf, Prev time.Time
	labels     map[Lang]map[string]string
	r          *Report
}

// T returns the section's label key, or the report's.
func (v View) T(key string) string {
	if s, ok := v.labels[v.Lang][key]; ok {
		return s
	}
	return v.Lang.T(key)
}

// Name translates a value written by a model ("v."+value in the labels),
// and returns it unchanged when neither the section nor the report has it.
func (v View) Name(value string) string {
	if s, ok := v.labels[v.Lang]["v."+value]; ok {
		return s
	}
	return v.Lang.Name(value)
}

// Notices words the missing outputs.
func (v View) Notices(ms []Missing) []string { return notices(v.Lang, ms) }

// Delta writes cur's change from prev, or "–" without a previous as_of.
func (v View) Delta(cur, prev float64, hasPrev bool) string {
	return change(v.Format, cur, prev, hasPrev)
}

// Param writes model's recorded value name for the as_of with write, or
// says it was not recorded.
func (v View) Param(model, name string, write func(float64) string) string {
	return param(v.r, v.Format, model, name, write)
}

// Params returns the values model recorded for the as_of in model_params
// by name (nil when it recorded none), for definitions that list them.
func (v View) Params(model string) map[string]float64 { return v.r.Params[model] }

// Days writes a number of days.
func (v View) Days(d float64) string { return days(v.Format)(d) }

// CurrencyText says how amounts are written.
func (v View) CurrencyText() string { return currencyText(v.Format) }

// DateLabels returns the as_of (and the previous as_of first, when there
// is one) as chart series names.
func (v View) DateLabels() (prev, cur string) {
	if !v.Prev.IsZero() {
		prev = v.Prev.Format(asof.Layout)
	}
	return prev, v.AsOf.Format(asof.Layout)
}

// loadSections reads every section for the as_of.
func (l *loader) loadSections(ctx context.Context, r *Report, sections []Section) error {
	for _, s := range sections {
		in := &Input{l: l, q: s.spec.Queries.Read(l.reader), AsOf: l.asOf, Prev: l.prev}
		d, err := s.read(ctx, in)
		if err != nil {
			return fmt.Errorf("report section %s: %w", s.spec.ID, err)
		}
		r.Sections = append(r.Sections, SectionData{Section: s, Data: d, Missing: in.missing})
	}
	return nil
}

// sectionBlocks lays out the sections r read, each at its place.
func sectionBlocks(r *Report, f Format) []placed {
	var out []placed
	for _, sd := range r.Sections {
		v := View{Format: f, AsOf: r.AsOf, Prev: r.Prev, labels: sd.Section.spec.Labels, r: r}
		at := sd.Section.spec.Place
		if at == 0 {
			at = placeLast
		}
		out = append(out, placed{at, sd.Section.build(sd.Data, v)})
	}
	return out
}
