// Package nextcategory is the next_category model: each member's three
// most likely next categories from category-to-category co-purchase lift
// computed in ClickHouse, with an out-of-time evaluation (hit rate at 3
// against a most-popular baseline) recorded in model_metrics. Start at New
// and next_category.sql; models/README.md defines the outputs.
package nextcategory

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

//go:embed next_category.sql
var sqlSrc string

var queries = query.MustParse("next_category", sqlSrc)

// Params are the model's parameters, config key models.next_category.
type Params struct {
	// WindowDays is the history the lift and the scores read: the paid
	// orders of the last WindowDays days up to as_of.
	WindowDays int `yaml:"window_days"`
	// Level is the category level predicted: 1, 2 or 3 (leaf).
	Level int `yaml:"level"`
	// HorizonDays is the evaluation's test window: the model is fitted on
	// the WindowDays days up to as_of - HorizonDays and scored on the
	// categories bought in the HorizonDays days after.
	HorizonDays int `yaml:"horizon_days"`
	// MinPairMembers drops category pairs bought by fewer members: their
	// lift is noise.
	MinPairMembers int `yaml:"min_pair_members"`
}

// DefaultParams returns the parameters a config without the section gets.
func DefaultParams() Params {
	return Params{WindowDays: 365, Level: 3, HorizonDays: 90, MinPairMembers: 5}
}

// Validate names the first bad field.
func (p Params) Validate() error {
	switch {
	case p.WindowDays < 1:
		return fmt.Errorf("models.next_category.window_days: must be at least 1, got %d", p.WindowDays)
	case p.Level < 1 || p.Level > 3:
		return fmt.Errorf("models.next_category.level: must be 1, 2 or 3, got %d", p.Level)
	case p.HorizonDays < 1:
		return fmt.Errorf("models.next_category.horizon_days: must be at least 1, got %d", p.HorizonDays)
	case p.MinPairMembers < 1:
		return fmt.Errorf("models.next_category.min_pair_members: must be at least 1, got %d", p.MinPairMembers)
	}
	return nil
}

// NextCategory is the next_category model.
type NextCategory struct {
	p Params
	// cells overrides predictCells and pairMembers when not 0 (tests
	// force chunks).
	cells uint64
}

// New returns the model, or an error naming the bad key when p is invalid.
func New(p Params) (*NextCategory, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &NextCategory{p: p}, nil
}

// FromConfig decodes the models.next_category section over DefaultParams
// and returns the model.
func FromConfig(section config.Params) (*NextCategory, error) {
	p := DefaultParams()
	if err := section.Decode("models.next_category", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*NextCategory) Name() string { return "next_category" }

// Deps: the model reads only the raw order_items and orders.
func (*NextCategory) Deps() []string { return nil }

// Tables implements models.Declarer.
func (*NextCategory) Tables() []models.Table {
	return []models.Table{{Name: "next_category", Sharded: true, Migration: "081_next_category.sql",
		Comment: "The three categories each member is most likely to buy next, per as_of, from co-purchase lift over the window."}}
}

// Run evaluates the model out of time (fit up to as_of - horizon_days,
// test on the horizon_days after; metrics hit_at_3, baseline_hit_at_3,
// eval_members), then publishes the as_of partition of next_category,
// fitted on the window up to as_of, through a stage table: a re-run
// replaces it, a failed run leaves the previous one.
func (m *NextCategory) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	w := models.NewWindow(asOf, loc)
	q := queries.On(env.Conn)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	if err := m.evaluate(ctx, q, env, w, res.Metrics); err != nil {
		return models.Result{}, fmt.Errorf("next_category: evaluate: %w", err)
	}
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("next_category: %w", err)
	}
	defer sc.Drop()
	t, err := m.fit(ctx, q, sc, w, env.RunID, w.DayStart(m.p.WindowDays-1), w.End)
	if err != nil {
		return models.Result{}, fmt.Errorf("next_category: %w", err)
	}
	n, err := q.Stage(ctx, "next_category", w.AsOf, func(stage string) error {
		t["stage"] = stage
		if err := q.Exec(ctx, "fill", t, m.args(w, env.RunID, w.DayStart(m.p.WindowDays-1), w.End)...); err != nil {
			return err
		}
		var members, rows float64
		if err := q.Row(ctx, "summary", t, nil, &members, &rows); err != nil {
			return err
		}
		res.Metrics["members"] = members
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("next_category: %w", err)
	}
	res.Rows["next_category"] = n
	return res, nil
}

// args binds the window [from, to) and the parameters.
func (m *NextCategory) args(w models.Window, runID string, from, to time.Time) []any {
	return w.Args(runID,
		clickhouse.Named("from", models.FormatUTC(from)),
		clickhouse.Named("to", models.FormatUTC(to)),
		clickhouse.Named("level", m.p.Level),
		clickhouse.Named("min_pair_members", m.p.MinPairMembers),
	)
}

// predictCells bounds the score vectors one predict_fill chunk holds
// (members x categories; about 70 bytes a cell on ClickHouse 18.16, so
// 10M cells keep a chunk near 700 MiB); pairMembers bounds the members of
// one pairs_fill chunk (1.2 GiB for 930k members with 40 leaves).
const (
	predictCells = 10_000_000
	pairMembers  = 250_000
)

// fit fills the history, cats, pairs, lift and predict scratch tables of
// sc from the orders in [from, to) and returns their names. Pairs and
// scores are computed in chunks of members (by member hash) so the
// queries' memory does not grow with the number of members.
func (m *NextCategory) fit(ctx context.Context, q *query.Q, sc *query.Work, w models.Window, runID string, from, to time.Time) (query.Tables, error) {
	t := query.Tables{}
	for _, s := range []string{"history", "cats", "pairs", "lift", "predict"} {
		t[s] = sc.Table(s)
	}
	args := m.args(w, runID, from, to)
	for _, s := range []string{"history_create", "history_fill", "cats_create", "cats_fill", "pairs_create", "lift_create", "predict_create"} {
		if err := q.Exec(ctx, s, t, args...); err != nil {
			return nil, err
		}
	}
	var members, cats uint64
	if err := q.Row(ctx, "sizes", t, nil, &members, &cats); err != nil {
		return nil, err
	}
	cells, per := uint64(predictCells), uint64(pairMembers)
	if m.cells > 0 {
		cells, per = m.cells, m.cells
	}
	chunked := func(step string, chunks uint64) error {
		for c := uint64(0); c < max(chunks, 1); c++ {
			a := append(args[:len(args):len(args)], clickhouse.Named("chunks", max(chunks, 1)), clickhouse.Named("chunk", c))
			if err := q.Exec(ctx, step, t, a...); err != nil {
				return err
			}
		}
		return nil
	}
	if err := chunked("pairs_fill", (members+per-1)/per); err != nil {
		return nil, err
	}
	if err := q.Exec(ctx, "lift_fill", t, args...); err != nil {
		return nil, err
	}
	if err := chunked("predict_fill", (members*cats+cells-1)/cells); err != nil {
		return nil, err
	}
	return t, nil
}

// evaluate fits on the window ending horizon_days before as_of, predicts,
// and compares the top three and the three most popular categories of
// that history with what each member bought in the horizon.
func (m *NextCategory) evaluate(ctx context.Context, q *query.Q, env models.Env, w models.Window, metrics map[string]float64) error {
	sc, err := q.Scratch(ctx)
	if err != nil {
		return err
	}
	defer sc.Drop()
	cut := w.DayStart(m.p.HorizonDays - 1)
	t, err := m.fit(ctx, q, sc, w, env.RunID, w.DayStart(m.p.HorizonDays+m.p.WindowDays-1), cut)
	if err != nil {
		return err
	}
	t["actual"] = sc.Table("actual")
	actual := query.Tables{"history": t["actual"]}
	args := m.args(w, env.RunID, cut, w.End)
	if err := q.Exec(ctx, "history_create", actual, args...); err != nil {
		return err
	}
	if err := q.Exec(ctx, "history_fill", actual, args...); err != nil {
		return err
	}
	var popular []string
	if err := q.Each(ctx, "popular", t, nil, func(r warehouse.Rows) error {
		var c string
		if err := r.Scan(&c); err != nil {
			return err
		}
		popular = append(popular, c)
		return nil
	}); err != nil {
		return err
	}
	metrics["eval_members"] = 0
	if len(popular) == 0 {
		return nil // no history before the horizon: nothing to evaluate
	}
	var n, hits, baseHits float64
	if err := q.Row(ctx, "evaluate", t, []any{clickhouse.Named("popular", popular)}, &n, &hits, &baseHits); err != nil {
		return err
	}
	metrics["eval_members"] = n
	if n > 0 {
		metrics["hit_at_3"], metrics["baseline_hit_at_3"] = hits/n, baseHits/n
	}
	return nil
}
