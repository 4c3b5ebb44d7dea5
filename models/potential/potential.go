// Package potential is the potential model: members whose predicted value
// runs ahead of their past spend (table potential). Parameters: Params
// (models.potential); queries: potential.sql.
package potential

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed potential.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("potential", sqlSrc)

// Potential is the high-potential members model (Name "potential"): it
// flags members worth investing in before they show it, one row per member
// and reason in the potential table (reasons and scores are documented in
// potential.sql and the table's comments): clv_above_spend,
// engaged_low_spend (engagement's flag, so the KPI has one definition)
// and rising_value. It depends on clv, whose partition for the same as_of
// must have rows, and on engagement. decile_gap goes to model_params,
// counts per reason to model_metrics.
type Potential struct {
	cfg Params
}

// New returns the potential model, or p's problems when it is invalid.
func New(p Params) (*Potential, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Potential{cfg: p}, nil
}

// Name returns "potential".
func (m *Potential) Name() string { return "potential" }

// Deps returns clv (the CLV and spend deciles of the same as_of) and
// engagement (its engaged_low_spend flag and score).
func (m *Potential) Deps() []string { return []string{"clv", "engagement"} }

// Run writes the potential partition of asOf.
func (m *Potential) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	t := m.cfg.TrendDays
	deps, err := models.DepArgs(env, "clv", "engagement")
	if err != nil {
		return models.Result{}, fmt.Errorf("potential: %w", err)
	}
	args := w.Args(env.RunID, deps...)
	args = append(args,
		clickhouse.Named("recent_since", models.FormatUTC(w.DayStart(t-1))),
		clickhouse.Named("prev_since", models.FormatUTC(w.DayStart(2*t-1))),
		clickhouse.Named("decile_gap", m.cfg.DecileGap),
	)
	var clvRows uint64
	if err := queries.On(env.Conn).Each(ctx, "clv_rows", nil, args, func(r warehouse.Rows) error { return r.Scan(&clvRows) }); err != nil {
		return models.Result{}, err
	}
	if clvRows == 0 {
		return models.Result{}, fmt.Errorf("potential for %s: clv (run %s) has no rows for this as_of (it was skipped): %w", w.Date(), env.Inputs["clv"], models.ErrPrecondition)
	}
	sc, err := queries.On(env.Conn).Scratch(ctx)
	if err != nil {
		return models.Result{}, err
	}
	defer sc.Drop()
	tables := map[string]string{"base": sc.Table("base")}
	if err := queries.On(env.Conn).Exec(ctx, "base", tables, args...); err != nil {
		return models.Result{}, err
	}
	var members uint64
	if err := queries.On(env.Conn).Each(ctx, "members", tables, nil, func(r warehouse.Rows) error { return r.Scan(&members) }); err != nil {
		return models.Result{}, err
	}
	n, err := query.ReplacePartition(ctx, env.Conn, "potential", w.AsOf, func(stage string) error {
		tables["stage"] = stage
		return queries.On(env.Conn).Exec(ctx, "fill", tables, args...)
	})
	if err != nil {
		return models.Result{}, err
	}
	metrics := map[string]float64{"members": float64(members), "members_clv_above_spend": 0, "members_engaged_low_spend": 0, "members_rising_value": 0}
	if err := queries.On(env.Conn).Each(ctx, "counts", nil, args, func(r warehouse.Rows) error {
		var k string
		var c uint64
		if err := r.Scan(&k, &c); err != nil {
			return err
		}
		metrics["members_"+k] = float64(c)
		return nil
	}); err != nil {
		return models.Result{}, err
	}
	return models.Result{
		Rows:    map[string]uint64{"potential": n},
		Metrics: metrics,
		Params:  map[string]float64{"decile_gap": float64(m.cfg.DecileGap)},
	}, nil
}

// Tables implements models.Declarer.
func (*Potential) Tables() []models.Table {
	return []models.Table{
		{Name: "potential", Sharded: true, Migration: "042_potential.sql",
			Comment: "High-potential members per as_of, one row per member and reason (CLV decile well above past spend, engaged but low spend, rising orders)."},
	}
}
