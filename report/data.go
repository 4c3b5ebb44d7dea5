package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
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
	{"tiers", "tiers", []string{"as_of", "member_id", "tier", "tier_rank"}},
	{"potential", "potential", []string{"as_of", "member_id", "reason"}},
	{"churn", "model_metrics", []string{"as_of", "model", "metric", "value"}},
	{"engagement", "engagement", engagementColumns},
	{"member_profile", "member_profile", []string{"as_of", "member_id", "region", "channel", "tier", "lifecycle_stage", "frequency", "monetary", "clv", "churn_probability"}},
	{"campaigns", "campaign_results", []string{"as_of", "campaign_id", "evidence", "group", "variant", "conversion_uplift", "srm_mismatch"}},
	{"campaigns", "campaign_funnel", []string{"as_of", "campaign_id", "group", "step", "members"}},
	breakdownSources[0], breakdownSources[1],
	{"category_affinity", "category_affinity", []string{"as_of", "member_id", "level", "category", "is_preferred"}},
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

// Band is the member count of one churn risk band.
type Band struct {
	Name                 string
	Members, MembersPrev float64
}

// Quality is the churn model's validation as recorded in model_metrics.
type Quality struct {
	AUC, BaselineAUC, LiftTop float64
	// Predicted and Observed are the mean predicted and observed churn
	// per score decile (index 0 = decile 1, lowest score), when recorded.
	Predicted, Observed []float64
	// Lift is the lift per score decile, when recorded.
	Lift []float64
}

// Churn is the churn risk section.
type Churn struct {
	Missing []Missing
	HasPrev bool
	Bands   []Band
	// Hist counts members per tenth of churn probability.
	Hist [10]float64
	// Quality is nil when the model recorded no validation figures.
	Quality *Quality
}

// Tiers is the tier section. Names are ordered from the entry level up;
// Matrix[i][j] counts members that were in From[i] and are now in
// Names[j], From[0] being "" (no row at the previous as_of).
type Tiers struct {
	Missing    []Missing
	HasPrev    bool
	Names      []string
	Counts     []float64
	CountsPrev []float64
	From       []string
	Matrix     [][]float64
	// Upgraded and Downgraded count members who moved up or down a level
	// since the previous as_of.
	Upgraded, Downgraded float64
	// Conversion and Retention are the tiers model's
	// upgrade_conversion_rate and upgrade_retention_rate with their bases
	// (models/README.md defines them); nil when not recorded.
	Conversion, Retention *Rate
}

// Rate is a share of Base members as a model recorded it.
type Rate struct{ Value, Base float64 }

// Flow is the lifecycle section: Counts[i][j] members went from stage
// From[i] ("" = not in the table before) to To[j].
type Flow struct {
	Missing []Missing
	HasPrev bool
	From    []string
	To      []string
	Counts  [][]float64
}

// PotentialReason counts members flagged for one reason.
type PotentialReason struct {
	Name                 string
	Members, MembersPrev float64
}

// Potential is the high-potential section.
type Potential struct {
	Missing      []Missing
	HasPrev      bool
	Reasons      []PotentialReason
	Any, AnyPrev float64
}

// Report is everything the page shows for one as_of.
type Report struct {
	AsOf time.Time
	// Prev is the latest earlier as_of of any model table; zero when none.
	Prev        time.Time
	GeneratedAt time.Time
	KPIs        []KPI
	KPIMissing  []Missing
	Churn       Churn
	Tiers       Tiers
	Lifecycle   Flow
	Potential   Potential
	// Params are the values each model recorded for the as_of in
	// model_params (Params[model][name]); the definitions boxes read the
	// windows and horizons the models used from them.
	Params     map[string]map[string]float64
	Engagement Engagement
	// Trends holds every headline figure at every as_of up to the report's.
	Trends    []Trend
	Filters   Filters
	Campaigns Campaigns
	Breakdown Breakdown
	Category  Category
	// Sections are the figures of the sections Load was given, in order.
	Sections []SectionData
}

// Missing lists every missing model output of the report, without repeats.
func (r *Report) Missing() []Missing {
	var all []Missing
	seen := map[string]bool{}
	lists := [][]Missing{r.KPIMissing, r.Churn.Missing, r.Tiers.Missing, r.Lifecycle.Missing, r.Potential.Missing, r.Engagement.Missing, r.Filters.Missing,
		r.Campaigns.Missing, r.Breakdown.Missing, r.Category.Missing}
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
	steps := []func(context.Context, *Report) error{l.kpis, l.churn, l.tiers, l.lifecycle, l.potential,
		l.params, l.engagement, l.filters,
		l.campaigns, l.breakdown, l.category}
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

// riskOrder is the order of the churn risk bands.
var riskOrder = []string{"low", "medium", "high", "critical", "lapsed"}

func (l *loader) churn(ctx context.Context, r *Report) error {
	var hp bool
	r.Churn.Missing, hp = l.need("churn")
	if r.Churn.Missing != nil {
		return nil
	}
	r.Churn.HasPrev = hp
	err := l.each(ctx, "churn_bands", l.args(), func(scan func(...any) error) error {
		var kind, key string
		var m, mp float64
		if err := scan(&kind, &key, &m, &mp); err != nil {
			return err
		}
		if kind == "bin" {
			if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < 10 {
				r.Churn.Hist[i] = m
			}
			return nil
		}
		if m > 0 || mp > 0 {
			r.Churn.Bands = append(r.Churn.Bands, Band{Name: key, Members: m, MembersPrev: mp})
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortByOrder(r.Churn.Bands, func(b Band) string { return b.Name }, riskOrder)
	if ms, _ := l.need("model_metrics"); ms != nil {
		return nil
	}
	metrics, err := l.metrics(ctx, "churn")
	if err != nil {
		return err
	}
	r.Churn.Quality = quality(metrics)
	return nil
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

// quality reads the churn model's validation figures (models/churn.go):
// auc, baseline_auc, lift_top_decile and, per score decile dd = 01..10,
// calibration_dd_predicted, calibration_dd_observed and calibration_dd_count.
// The lift of a decile is its observed churn rate over the overall rate.
// It returns nil without auc.
func quality(m map[string]float64) *Quality {
	auc, ok := m["auc"]
	if !ok {
		return nil
	}
	q := &Quality{AUC: auc, BaselineAUC: m["baseline_auc"], LiftTop: m["lift_top_decile"]}
	var churned, rows float64
	var counts []float64
	for d := 1; d <= 10; d++ {
		k := fmt.Sprintf("calibration_%02d_", d)
		p, ok := m[k+"predicted"]
		if !ok {
			break
		}
		q.Predicted = append(q.Predicted, p)
		q.Observed = append(q.Observed, m[k+"observed"])
		counts = append(counts, m[k+"count"])
		churned += m[k+"observed"] * m[k+"count"]
		rows += m[k+"count"]
	}
	if rows > 0 && churned > 0 {
		base := churned / rows
		for _, o := range q.Observed {
			q.Lift = append(q.Lift, o/base)
		}
	}
	return q
}

func (l *loader) tiers(ctx context.Context, r *Report) error {
	var hp bool
	r.Tiers.Missing, hp = l.need("tiers")
	if r.Tiers.Missing != nil {
		return nil
	}
	r.Tiers.HasPrev = hp
	type cell struct {
		from, to string
		n        float64
	}
	level := map[string]float64{}
	var cells []cell
	err := l.each(ctx, "tiers", l.args(), func(scan func(...any) error) error {
		var c cell
		var fl, tl float64
		if err := scan(&c.from, &fl, &c.to, &tl, &c.n); err != nil {
			return err
		}
		level[c.to] = tl
		if c.from != "" {
			level[c.from] = fl
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return err
	}
	t := &r.Tiers
	for name := range level {
		t.Names = append(t.Names, name)
	}
	sort.Slice(t.Names, func(a, b int) bool {
		la, lb := level[t.Names[a]], level[t.Names[b]]
		if la != lb {
			return la < lb
		}
		return t.Names[a] < t.Names[b]
	})
	pos := map[string]int{}
	for i, n := range t.Names {
		pos[n] = i
	}
	t.From = append([]string{""}, t.Names...)
	t.Counts = make([]float64, len(t.Names))
	t.CountsPrev = make([]float64, len(t.Names))
	t.Matrix = make([][]float64, len(t.From))
	for i := range t.Matrix {
		t.Matrix[i] = make([]float64, len(t.Names))
	}
	for _, c := range cells {
		j := pos[c.to]
		t.Counts[j] += c.n
		i := 0
		if c.from != "" {
			i = pos[c.from] + 1
			t.CountsPrev[pos[c.from]] += c.n
			switch {
			case level[c.to] > level[c.from]:
				t.Upgraded += c.n
			case level[c.to] < level[c.from]:
				t.Downgraded += c.n
			}
		}
		t.Matrix[i][j] += c.n
	}
	if ms, _ := l.need("model_metrics"); ms != nil {
		return nil
	}
	metrics, err := l.metrics(ctx, "tiers")
	if err != nil {
		return err
	}
	rate := func(k string) *Rate {
		if v, ok := metrics[k]; ok {
			return &Rate{Value: v, Base: metrics[k+"_base"]}
		}
		return nil
	}
	t.Conversion, t.Retention = rate("upgrade_conversion_rate"), rate("upgrade_retention_rate")
	return nil
}

// stageOrder is the order of the lifecycle stages the models write; other
// stages follow in name order.
var stageOrder = []string{"prospect", "new", "active", "loyal", "silent", "sleeping", "churned"}

func (l *loader) lifecycle(ctx context.Context, r *Report) error {
	var hp bool
	r.Lifecycle.Missing, hp = l.need("lifecycle")
	if r.Lifecycle.Missing != nil {
		return nil
	}
	f := &r.Lifecycle
	f.HasPrev = hp
	type cell struct {
		from, to string
		n        float64
	}
	var cells []cell
	stages := map[string]bool{}
	err := l.each(ctx, "lifecycle_flow", l.args(), func(scan func(...any) error) error {
		var c cell
		if err := scan(&c.from, &c.to, &c.n); err != nil {
			return err
		}
		stages[c.to] = true
		if c.from != "" {
			stages[c.from] = true
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return err
	}
	var names []string
	for s := range stages {
		names = append(names, s)
	}
	sortByOrder(names, func(s string) string { return s }, stageOrder)
	f.To = names
	f.From = append([]string{""}, names...)
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	f.Counts = make([][]float64, len(f.From))
	for i := range f.Counts {
		f.Counts[i] = make([]float64, len(f.To))
	}
	for _, c := range cells {
		i := 0
		if c.from != "" {
			i = pos[c.from] + 1
		}
		f.Counts[i][pos[c.to]] += c.n
	}
	return nil
}

// reasonOrder is the order of the potential reasons the model writes.
var reasonOrder = []string{"clv_above_spend", "engaged_low_spend", "rising_value"}

func (l *loader) potential(ctx context.Context, r *Report) error {
	var hp bool
	r.Potential.Missing, hp = l.need("potential")
	if r.Potential.Missing != nil {
		return nil
	}
	p := &r.Potential
	p.HasPrev = hp
	err := l.each(ctx, "potential", l.args(), func(scan func(...any) error) error {
		var x PotentialReason
		if err := scan(&x.Name, &x.Members, &x.MembersPrev); err != nil {
			return err
		}
		if x.Name == "" {
			p.Any, p.AnyPrev = x.Members, x.MembersPrev
		} else if x.Members > 0 || x.MembersPrev > 0 {
			p.Reasons = append(p.Reasons, x)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortByOrder(p.Reasons, func(x PotentialReason) string { return x.Name }, reasonOrder)
	return nil
}

// sortByOrder sorts xs by the position of key(x) in order, unknown keys
// last in name order.
func sortByOrder[T any](xs []T, key func(T) string, order []string) {
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
