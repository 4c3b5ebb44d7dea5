// Package tiers is the tiers model: membership levels with rolling
// qualification and review, upgrade KPIs and their effect (tables tiers,
// tier_migration). Parameters: Params (models.tiers); queries: tiers.sql.
package tiers

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/internal/figures"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed tiers.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("tiers", sqlSrc)

// Tiers is the tiers model: configured membership levels qualified by
// rolling-window spend, orders, points and engagement (any/all rules),
// upgraded as soon as qualified, held review_days from the day reached or
// last reviewed, then renewed or lowered by at most max_downgrade_levels;
// the first run seeds each member from source_tier; per member movement, progress to the next level, spend gap
// and near-upgrade flag; the migration matrix since the previous as_of; and
// KPIs in model_metrics. Outputs: tiers, tier_migration. It reads the
// engagement table of the same as_of, so it depends on engagement.
type Tiers struct {
	cfg Params
}

// New returns the tiers model, or p's problems when it is invalid.
func New(p Params) (*Tiers, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Tiers{cfg: p}, nil
}

// Name implements models.Model.
func (*Tiers) Name() string { return "tiers" }

// Deps implements models.Model.
func (*Tiers) Deps() []string { return []string{"engagement"} }

// Run implements models.Model.
func (m *Tiers) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	prev, err := models.PreviousAsOf(ctx, env.Conn, "tiers", w)
	if err != nil {
		return models.Result{}, err
	}
	var names, lower []string
	var spend, orders, points, eng, all []float64
	for _, l := range m.cfg.Levels {
		names = append(names, l.Name)
		lower = append(lower, strings.ToLower(l.Name))
		spend = append(spend, l.MinSpend)
		orders = append(orders, float64(l.MinOrders))
		points = append(points, l.MinPoints)
		eng = append(eng, l.MinEngagement)
		r := 0.0
		if l.Rule == "all" {
			r = 1
		}
		all = append(all, r)
	}
	deps, err := models.DepArgs(env, "engagement")
	if err != nil {
		return models.Result{}, fmt.Errorf("tiers: %w", err)
	}
	args := w.Args(env.RunID, append(deps,
		clickhouse.Named("names", names), clickhouse.Named("min_spend", spend), clickhouse.Named("min_orders", orders),
		clickhouse.Named("min_points", points), clickhouse.Named("min_engagement", eng), clickhouse.Named("rule_all", all),
		clickhouse.Named("review_days", m.cfg.ReviewDays), clickhouse.Named("near", m.cfg.NearUpgrade),
		clickhouse.Named("lower_names", lower), clickhouse.Named("max_down", m.cfg.MaxDowngradeLevels),
		clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.cfg.WindowDays-1))),
		clickhouse.Named("prev", prev.Format(asof.Layout)))...)
	// window_days is recorded so that the report states the window used.
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}, Params: map[string]float64{"window_days": float64(m.cfg.WindowDays)}}
	for _, step := range []struct{ table, query string }{{"tiers", "fill"}, {"tier_migration", "migration"}} {
		n, err := query.ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return queries.On(env.Conn).Exec(ctx, step.query, map[string]string{"stage": stage}, args...)
		})
		if err != nil {
			return models.Result{}, fmt.Errorf("tiers: %w", err)
		}
		res.Rows[step.table] = n
	}
	if err := m.kpis(ctx, env, w, args, res.Metrics); err != nil {
		return models.Result{}, fmt.Errorf("tiers kpis: %w", err)
	}
	return res, nil
}

// kpis records per tier members, ARPU (mean window spend), repurchase
// rate (share with a second purchase day in the window) and near-upgrade count;
// upgrade_conversion_rate (near-upgrade members who moved up within
// conversion_days of the flag, flags of (D - 2C, D - C]); and, for the
// members who moved up in (D - 2N, D - N] (N = retention_days),
// upgrade_retention_rate (a paid order within N days after the upgrade)
// and the upgrade effect: difference-in-differences of frequency, spend
// and AOV over the N days before and after, against near-upgrade members
// who did not move up (upgrade_effect_<m>, _se, _ci_low, _ci_high,
// _treated, _control). Rates are absent when their base is 0, effects
// when a group has fewer than 2 members.
func (m *Tiers) kpis(ctx context.Context, env models.Env, w models.Window, args []any, out map[string]float64) error {
	err := queries.On(env.Conn).Each(ctx, "per_tier", nil, args, func(r warehouse.Rows) error {
		var tier string
		var n, arpu, rep, near float64
		if err := r.Scan(&tier, &n, &arpu, &rep, &near); err != nil {
			return err
		}
		t := figures.MetricName(tier)
		out["members_"+t], out["arpu_"+t], out["repurchase_rate_"+t], out["near_upgrade_"+t] = n, arpu, rep, near
		return nil
	})
	if err != nil {
		return err
	}
	day := func(n int) string { return w.AsOf.AddDate(0, 0, -n).Format(asof.Layout) }
	c, n := m.cfg.ConversionDays, m.cfg.RetentionDays
	args = append(args,
		clickhouse.Named("conversion_days", c), clickhouse.Named("conv_from", day(2*c)), clickhouse.Named("conv_to", day(c)),
		clickhouse.Named("retention_days", n), clickhouse.Named("ret_from", day(2*n)), clickhouse.Named("ret_to", day(n)),
		clickhouse.Named("effect_start", models.FormatUTC(w.DayStart(3*n))))
	var base, hit float64
	if err := queries.On(env.Conn).Row(ctx, "conversion", nil, args, &base, &hit); err != nil {
		return err
	}
	out["upgrade_conversion_rate_base"] = base
	if base > 0 {
		out["upgrade_conversion_rate"] = hit / base
	}
	groups := map[string][3]groupStats{}
	var retained, treated float64
	err = queries.On(env.Conn).Each(ctx, "upgrade_effect", nil, args, func(r warehouse.Rows) error {
		var grp string
		var members, kept float64
		var g [3]groupStats
		if err := r.Scan(&grp, &members, &kept, &g[0].N, &g[0].Mean, &g[0].Var, &g[1].N, &g[1].Mean, &g[1].Var,
			&g[2].N, &g[2].Mean, &g[2].Var); err != nil {
			return err
		}
		groups[grp] = g
		if grp == "treated" {
			treated, retained = members, kept
		}
		return nil
	})
	if err != nil {
		return err
	}
	out["upgrade_retention_rate_base"] = treated
	if treated > 0 {
		out["upgrade_retention_rate"] = retained / treated
	}
	for i, name := range []string{"frequency", "spend", "aov"} {
		d, ok := diffInDiff(groups["treated"][i], groups["control"][i])
		k := "upgrade_effect_" + name
		out[k+"_treated"], out[k+"_control"] = d.Treated, d.Control
		if ok {
			out[k], out[k+"_se"], out[k+"_ci_low"], out[k+"_ci_high"] = d.Estimate, d.SE, d.Low, d.High
		}
	}
	return nil
}

// Tables implements models.Declarer.
func (*Tiers) Tables() []models.Table {
	return []models.Table{
		{Name: "tiers", Sharded: true, Migration: "026_tiers.sql",
			Comment: "Membership tier per member and as_of: tier, previous tier, movement, progress and gap to the next tier, near-upgrade flag."},
		{Name: "tier_migration", Sharded: false, Migration: "026_tiers.sql",
			Comment: "Tier migration matrix between the previous as_of and this one (from -> to counts)."},
	}
}
