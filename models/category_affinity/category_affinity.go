// Package categoryaffinity is the category_affinity model: what each
// member buys by category level, the preferred category of each level
// (published to segment_members as family preferred_category) and
// "bought A, never B" cross-sell gaps. Start at New and the SQL in
// category_affinity.sql; models/README.md defines the outputs.
package categoryaffinity

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/models"
)

//go:embed category_affinity.sql
var sqlSrc string

var queries = query.MustParse("category_affinity", sqlSrc)

// Params are the model's parameters, config key models.category_affinity.
type Params struct {
	// WindowDays reads the paid orders of the last WindowDays days up to
	// and including as_of.
	WindowDays int `yaml:"window_days"`
	// MinOrders is the minimum support of a preferred category: the member
	// has at least MinOrders orders with a line in it over the window.
	MinOrders int `yaml:"min_orders"`
	// CrossSell lists the "bought A, never B" pairs to flag.
	CrossSell []Pair `yaml:"cross_sell"`
}

// Pair is one cross-sell pair: members who bought Bought but never Never
// over the window get Never in cross_sell_missing of their Bought row.
// Both are category paths of 1-3 levels (beauty, beauty/skincare).
type Pair struct {
	Bought string `yaml:"bought"`
	Never  string `yaml:"never"`
}

// DefaultParams returns the parameters a config without the section gets.
func DefaultParams() Params { return Params{WindowDays: 365, MinOrders: 2} }

// Validate names the first bad field.
func (p Params) Validate() error {
	if p.WindowDays < 1 {
		return fmt.Errorf("models.category_affinity.window_days: must be at least 1, got %d", p.WindowDays)
	}
	if p.MinOrders < 1 {
		return fmt.Errorf("models.category_affinity.min_orders: must be at least 1, got %d", p.MinOrders)
	}
	for i, c := range p.CrossSell {
		for _, f := range []struct{ name, path string }{{"bought", c.Bought}, {"never", c.Never}} {
			if err := checkPath(f.path); err != nil {
				return fmt.Errorf("models.category_affinity.cross_sell[%d].%s: %w", i, f.name, err)
			}
		}
		if c.Bought == c.Never {
			return fmt.Errorf("models.category_affinity.cross_sell[%d]: bought and never are the same category %q", i, c.Bought)
		}
	}
	return nil
}

// checkPath accepts a category path of 1-3 non-empty parts joined by /.
func checkPath(path string) error {
	parts := strings.Split(path, "/")
	if len(parts) > 3 {
		return fmt.Errorf("category %q has %d levels, at most 3", path, len(parts))
	}
	for _, s := range parts {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("category %q has an empty level (want e.g. beauty/skincare)", path)
		}
	}
	return nil
}

// fillRows bounds the base rows one fill chunk groups by member: the
// member arrays take a few hundred bytes a row on ClickHouse 18.16, so
// 1.5M rows keep a chunk near 1 GiB.
const fillRows = 1_500_000

// CategoryAffinity is the category_affinity model.
type CategoryAffinity struct {
	p Params
	// rows overrides fillRows when not 0 (tests force chunks).
	rows uint64
}

// New returns the model, or an error naming the bad key when p is invalid.
func New(p Params) (*CategoryAffinity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &CategoryAffinity{p: p}, nil
}

// FromConfig decodes the models.category_affinity section over
// DefaultParams and returns the model.
func FromConfig(section config.Params) (*CategoryAffinity, error) {
	p := DefaultParams()
	if err := section.Decode("models.category_affinity", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*CategoryAffinity) Name() string { return "category_affinity" }

// Deps: the model reads only the raw order_items and orders.
func (*CategoryAffinity) Deps() []string { return nil }

// Tables implements models.Declarer.
func (*CategoryAffinity) Tables() []models.Table {
	return []models.Table{{Name: "category_affinity", Sharded: true, Migration: "080_category_affinity.sql",
		Comment: "Category preference per as_of, member, level (1-3) and category bought in the window: spend and order shares, recency, affinity index, the preferred flag and cross-sell gaps."}}
}

// Run publishes the as_of partition of category_affinity through a stage
// table: a re-run replaces it, a failed run leaves the previous one.
func (m *CategoryAffinity) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	w := models.NewWindow(asOf, loc)
	bought, never := []string{""}, []string{""}
	for _, c := range m.p.CrossSell {
		bought, never = append(bought, c.Bought), append(never, c.Never)
	}
	args := w.Args(env.RunID,
		clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.p.WindowDays-1))),
		clickhouse.Named("min_orders", m.p.MinOrders),
		clickhouse.Named("pair_bought", bought),
		clickhouse.Named("pair_never", never),
	)
	q := queries.On(env.Conn)
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("category_affinity: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"base": sc.Table("base"), "pop": sc.Table("pop")}
	for _, step := range []string{"base_create", "base_fill", "pop_create", "pop_fill"} {
		if err := q.Exec(ctx, step, t, args...); err != nil {
			return models.Result{}, fmt.Errorf("category_affinity: %w", err)
		}
	}
	var rows uint64
	if err := q.Row(ctx, "base_rows", t, nil, &rows); err != nil {
		return models.Result{}, fmt.Errorf("category_affinity: %w", err)
	}
	per := uint64(fillRows)
	if m.rows > 0 {
		per = m.rows
	}
	chunks := max((rows+per-1)/per, 1)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	n, err := q.Stage(ctx, "category_affinity", w.AsOf, func(stage string) error {
		t["stage"] = stage
		for c := uint64(0); c < chunks; c++ {
			a := append(args[:len(args):len(args)], clickhouse.Named("chunks", chunks), clickhouse.Named("chunk", c))
			if err := q.Exec(ctx, "fill", t, a...); err != nil {
				return err
			}
		}
		var members, pref1, pref3, gaps float64
		if err := q.Row(ctx, "summary", t, nil, &members, &pref1, &pref3, &gaps); err != nil {
			return err
		}
		res.Metrics["members"], res.Metrics["preferred_l1_members"] = members, pref1
		res.Metrics["preferred_l3_members"], res.Metrics["cross_sell_rows"] = pref3, gaps
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("category_affinity: %w", err)
	}
	res.Rows["category_affinity"] = n
	res.Params = map[string]float64{"window_days": float64(m.p.WindowDays), "min_orders": float64(m.p.MinOrders)}
	return res, nil
}
