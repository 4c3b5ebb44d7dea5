package report

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Querier is what the report needs from ClickHouse: read-only queries.
// warehouse.Conn satisfies it.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
}

// Reason says why a model's output is missing.
type Reason string

// Why a section cannot be drawn.
const (
	// NoTable: the model's table does not exist (model not deployed or not migrated).
	NoTable Reason = "no_table"
	// NoColumns: the table lacks columns the report reads (an older schema).
	NoColumns Reason = "no_columns"
	// NoPartition: the table has no rows for the as_of and its model has
	// no succeeded run for it (model not run yet). A table without rows
	// whose model ran for the as_of is empty, not missing.
	NoPartition Reason = "no_partition"
)

// Missing names a model output the report could not read.
type Missing struct {
	// Model is the model that writes Table.
	Model string
	// Table is the ClickHouse table.
	Table string
	// Reason says what is missing.
	Reason Reason
	// Columns lists the missing columns when Reason is NoColumns.
	Columns []string
	// AsOf is the as_of with no rows when Reason is NoPartition.
	AsOf string
}

// Source is one model output table the report reads and the columns it
// needs; the list is also the allow-list of table names put into SQL.
type Source struct {
	Model, Table string
	Columns      []string
}

var sources = []Source{
	{"lifecycle", "lifecycle", []string{"as_of", "member_id", "stage"}},
	{"clv", "clv", []string{"as_of", "member_id", "frequency", "monetary", "clv", "clv_decile"}},
	{"churn", "churn", []string{"as_of", "member_id", "churn_probability", "risk_band"}},
	{"churn", "model_metrics", []string{"as_of", "model", "metric", "value"}},
	{"member_profile", "member_profile", []string{"as_of", "member_id", "region", "channel", "tier", "lifecycle_stage", "frequency", "monetary", "clv", "churn_probability"}},
}

// KPIKind says how a KPI is formatted and how its change is written.
type KPIKind int

// The kinds of headline figures.
const (
	// Count is a number of members; change in per cent.
	Count KPIKind = iota
	// Money is an amount; change in per cent.
	Money
	// Share is a rate between 0 and 1; change in percentage points.
	Share
)

// KPI is one headline figure now and at the previous as_of.
type KPI struct {
	// Key is the label key (kpi_members, ...).
	Key  string
	Kind KPIKind
	Cur  float64
	// Prev is the figure at the previous as_of, valid when HasPrev.
	Prev    float64
	HasPrev bool
	// LowerIsBetter marks figures where a rise is bad news (churn).
	LowerIsBetter bool
}

// Report is everything the page shows for one as_of.
type Report struct {
	AsOf time.Time
	// Prev is the latest earlier as_of of any model table; zero when none.
	Prev        time.Time
	GeneratedAt time.Time
	KPIs        []KPI
	KPIMissing  []Missing
	// Params are the values each model recorded for the as_of in
	// model_params (Params[model][name]); the definitions boxes read the
	// windows and horizons the models used from them.
	Params map[string]map[string]float64
	// Trends holds every headline figure at every as_of up to the report's.
	Trends  []Trend
	Filters Filters
	// Sections are the figures of the sections Load was given, in order.
	Sections []SectionData
}

// Missing lists every missing model output of the report, without repeats.
func (r *Report) Missing() []Missing {
	var all []Missing
	seen := map[string]bool{}
	lists := [][]Missing{r.KPIMissing, r.Filters.Missing}
	for _, s := range r.Sections {
		lists = append(lists, s.Missing)
	}
	for _, ms := range lists {
		for _, m := range ms {
			k := m.Table + "/" + string(m.Reason)
			if !seen[k] {
				seen[k] = true
				all = append(all, m)
			}
		}
	}
	return all
}

// tableState is what Load learned about one source table.
type tableState struct {
	missing *Missing
	hasPrev bool
}

// loader carries one Load's connection and parameters.
type loader struct {
	reader   Querier
	q        *query.Q
	asOf     string
	prev     string
	tables   map[string]*tableState
	prevSeen map[string]string
	// cols holds the columns of every table of the database.
	cols map[string]map[string]bool
}

// Load reads the model outputs of asOf (and of the previous as_of, the
// latest earlier one found in the model tables) into a Report, with the
// figures of sections, the models' own sections (models/<name>/report.go).
// A missing table, column or partition becomes a Missing entry in its
// section, not an error; errors are left for failed queries. Load only
// reads.
func Load(ctx context.Context, q Querier, asOf time.Time, sections ...Section) (*Report, error) {
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	l := &loader{reader: q, q: query.ForReport(q), asOf: asOf.Format(asof.Layout), prev: "1970-01-01", tables: map[string]*tableState{}, prevSeen: map[string]string{}}
	all := append([]Source(nil), sources...)
	for _, s := range sections {
		all = append(all, s.spec.Sources...)
	}
	if err := l.inspect(ctx, all); err != nil {
		return nil, err
	}
	r := &Report{AsOf: asOf, GeneratedAt: time.Now().UTC()}
	if l.prev != "1970-01-01" {
		r.Prev, _ = time.Parse(asof.Layout, l.prev)
	}
	steps := []func(context.Context, *Report) error{l.kpis, l.params, l.filters}
	for _, step := range steps {
		if err := step(ctx, r); err != nil {
			return nil, err
		}
	}
	if err := l.loadSections(ctx, r, sections); err != nil {
		return nil, err
	}
	return r, nil
}

// inspect finds which source tables exist with the needed columns and
// which have rows for the as_of, and picks the previous as_of.
func (l *loader) inspect(ctx context.Context, sources []Source) error {
	cols, err := l.columns(ctx)
	if err != nil {
		return err
	}
	l.cols = cols
	ran, err := l.modelsRan(ctx)
	if err != nil {
		return err
	}
	for _, s := range sources {
		if _, done := l.tables[s.Table]; done {
			continue
		}
		st := &tableState{}
		l.tables[s.Table] = st
		have, ok := cols[s.Table]
		if !ok {
			st.missing = &Missing{Model: s.Model, Table: s.Table, Reason: NoTable}
			continue
		}
		var lack []string
		for _, c := range s.Columns {
			if !have[c] {
				lack = append(lack, c)
			}
		}
		if len(lack) > 0 {
			st.missing = &Missing{Model: s.Model, Table: s.Table, Reason: NoColumns, Columns: lack}
			continue
		}
		dates, err := l.asOfs(ctx, s.Table)
		if err != nil {
			return err
		}
		if (len(dates) == 0 || dates[0] != l.asOf) && !ran[s.Model] {
			st.missing = &Missing{Model: s.Model, Table: s.Table, Reason: NoPartition, AsOf: l.asOf}
		}
		for _, d := range dates {
			if d < l.asOf {
				l.prevSeen[s.Table] = d
				if d > l.prev && s.Table != "model_metrics" {
					l.prev = d
				}
			}
		}
	}
	for t, st := range l.tables {
		st.hasPrev = l.prevSeen[t] == l.prev
	}
	return nil
}

// modelsRan returns the models with a succeeded run for the as_of in
// model_runs (none when the table is not there).
func (l *loader) modelsRan(ctx context.Context) (map[string]bool, error) {
	ran := map[string]bool{}
	if have := l.cols["model_runs"]; !have["as_of"] || !have["model"] || !have["status"] {
		return ran, nil
	}
	err := l.each(ctx, "models_ran", l.args(), func(scan func(...any) error) error {
		var m string
		if err := scan(&m); err != nil {
			return err
		}
		ran[m] = true
		return nil
	})
	return ran, err
}

// asOfs returns the table's newest two as_ofs on or before the report's,
// newest first: from system.parts when the table has local parts named by
// date, else by reading the table's as_of column.
func (l *loader) asOfs(ctx context.Context, table string) ([]string, error) {
	var dates []string
	collect := func(scan func(...any) error) error {
		var d string
		if err := scan(&d); err != nil {
			return err
		}
		dates = append(dates, d)
		return nil
	}
	if err := l.each(ctx, "as_ofs_parts", l.args(clickhouse.Named("table", table)), collect); err != nil {
		return nil, err
	}
	byDate := len(dates) > 0
	for _, d := range dates {
		if _, err := time.Parse(asof.Layout, d); err != nil {
			byDate = false
		}
	}
	if byDate {
		return dates, nil
	}
	dates = nil
	err := l.q.Each(ctx, "as_ofs", query.Tables{"table": table}, l.args(), func(r warehouse.Rows) error { return collect(r.Scan) })
	return dates, err
}

// columns returns the columns of every table and view of the database.
func (l *loader) columns(ctx context.Context) (map[string]map[string]bool, error) {
	cols := map[string]map[string]bool{}
	err := l.each(ctx, "columns", nil, func(scan func(...any) error) error {
		var t, c string
		if err := scan(&t, &c); err != nil {
			return err
		}
		if cols[t] == nil {
			cols[t] = map[string]bool{}
		}
		cols[t][c] = true
		return nil
	})
	return cols, err
}

// need returns the Missing entries of the named tables (nil when all are
// there) and whether all of them have the previous as_of.
func (l *loader) need(tables ...string) ([]Missing, bool) {
	var ms []Missing
	hasPrev := true
	for _, t := range tables {
		st := l.tables[t]
		if st.missing != nil {
			ms = append(ms, *st.missing)
		}
		hasPrev = hasPrev && st.hasPrev
	}
	return ms, hasPrev
}

func (l *loader) args(extra ...any) []any {
	return append([]any{clickhouse.Named("as_of", l.asOf), clickhouse.Named("prev", l.prev)}, extra...)
}

// each runs the report query name with args and calls fn for every row.
func (l *loader) each(ctx context.Context, name string, args []any, fn func(scan func(...any) error) error) error {
	return l.q.Each(ctx, name, nil, args, func(r warehouse.Rows) error { return fn(r.Scan) })
}

// byDate runs a per-as_of query whose first column is the date and
// returns the other (Float64) columns of every as_of it returns (every
// as_of on or before the report's), by date.
func (l *loader) byDate(ctx context.Context, name string, n int) (map[string][]float64, error) {
	rows := map[string][]float64{}
	err := l.each(ctx, name, l.args(), func(scan func(...any) error) error {
		var d string
		vals := make([]float64, n)
		dst := []any{&d}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := scan(dst...); err != nil {
			return err
		}
		rows[d] = vals
		return nil
	})
	return rows, err
}

// kpis reads the headline figures at every as_of up to the report's: the
// report's and the previous one become KPIs, all of them Trends.
func (l *loader) kpis(ctx context.Context, r *Report) error {
	add := func(key string, kind KPIKind, rows map[string][]float64, val func([]float64) float64) {
		cur, ok := rows[l.asOf]
		if !ok {
			return
		}
		k := KPI{Key: key, Kind: kind, Cur: val(cur), LowerIsBetter: key == "kpi_churn_rate" || key == "kpi_predicted_churn"}
		if prev, ok := rows[l.prev]; ok {
			k.Prev, k.HasPrev = val(prev), true
		}
		r.KPIs = append(r.KPIs, k)
		r.Trends = append(r.Trends, newTrend(key, kind, rows, val))
	}
	col := func(i int) func([]float64) float64 { return func(v []float64) float64 { return v[i] } }
	if ms, _ := l.need("lifecycle"); ms != nil {
		r.KPIMissing = append(r.KPIMissing, ms...)
	} else {
		rows, err := l.byDate(ctx, "kpi_lifecycle", 4)
		if err != nil {
			return err
		}
		add("kpi_members", Count, rows, col(0))
		add("kpi_active", Count, rows, col(1))
		add("kpi_churn_rate", Share, rows, func(v []float64) float64 { return ratio(v[2], v[3]) })
		// Reactivation comes from lifecycle's model_metrics; without them
		// (no table, or a first run) the figure is simply absent.
		if ms, _ := l.need("model_metrics"); ms == nil {
			rows, err := l.byDate(ctx, "kpi_reactivation", 1)
			if err != nil {
				return err
			}
			add("kpi_reactivation", Share, rows, col(0))
		}
	}
	if ms, _ := l.need("clv"); ms != nil {
		r.KPIMissing = append(r.KPIMissing, ms...)
	} else {
		rows, err := l.byDate(ctx, "kpi_clv", 4)
		if err != nil {
			return err
		}
		add("kpi_buyers", Count, rows, col(0))
		add("kpi_arpu", Money, rows, col(1))
		add("kpi_repurchase", Share, rows, col(2))
		add("kpi_avg_clv", Money, rows, col(3))
	}
	if ms, _ := l.need("churn"); ms != nil {
		r.KPIMissing = append(r.KPIMissing, ms...)
	} else {
		rows, err := l.byDate(ctx, "kpi_churn", 1)
		if err != nil {
			return err
		}
		add("kpi_predicted_churn", Share, rows, col(0))
	}
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// Ratio returns a/b, or NaN when b is 0 (a share of nothing).
func Ratio(a, b float64) float64 { return ratio(a, b) }

// NiceStep rounds a positive step up to 1, 2 or 5 times a power of ten
// (1 for anything not positive), as the charts' axes do.
func NiceStep(v float64) float64 { return niceStep(v) }

// niceStep rounds a positive step up to 1, 2 or 5 times a power of ten
// (1 for anything not positive).
func niceStep(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// metrics returns model's figures in model_metrics for the report's as_of.
func (l *loader) metrics(ctx context.Context, model string) (map[string]float64, error) {
	metrics := map[string]float64{}
	err := l.each(ctx, "model_metrics", l.args(clickhouse.Named("model", model)), func(scan func(...any) error) error {
		var k string
		var v float64
		if err := scan(&k, &v); err != nil {
			return err
		}
		metrics[k] = v
		return nil
	})
	return metrics, err
}

// SortByOrder sorts xs by the position of key(x) in order, unknown keys
// last in name order (sections order the values their models write).
func SortByOrder[T any](xs []T, key func(T) string, order []string) {
	rank := func(k string) int {
		for i, o := range order {
			if o == k {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(xs, func(a, b int) bool {
		ka, kb := key(xs[a]), key(xs[b])
		ra, rb := rank(ka), rank(kb)
		if ra != rb {
			return ra < rb
		}
		return strings.Compare(ka, kb) < 0
	})
}
