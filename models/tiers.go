package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/config"
)

// Tiers is the tiers model: configured membership levels qualified by
// rolling-window spend, orders, points and engagement (any/all rules),
// upgraded as soon as qualified, held review_days from the day reached or
// last reviewed, then renewed or lowered by at most max_downgrade_levels;
// the first run seeds each member from source_tier; per member movement, progress to the next level, spend gap
// and near-upgrade flag; the migration matrix since the previous as_of; and
// KPIs in model_metrics. Outputs: tiers, tier_migration. It reads the
// engagement table of the same as_of, so it depends on engagement.
type Tiers struct {
	cfg config.Tiers
}

// NewTiers returns the tiers model.
func NewTiers(cfg config.Tiers) *Tiers { return &Tiers{cfg: cfg} }

// Name implements Model.
func (*Tiers) Name() string { return "tiers" }

// Deps implements Model.
func (*Tiers) Deps() []string { return []string{"engagement"} }

// metricName turns a level name into a snake_case metric suffix.
func metricName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}

// Run implements Model.
func (m *Tiers) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	w := NewWindow(asOf, env.location())
	prev, err := previousAsOf(ctx, env.Conn, "tiers", w)
	if err != nil {
		return Result{}, err
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
	args := w.Args(env.RunID,
		clickhouse.Named("names", names), clickhouse.Named("min_spend", spend), clickhouse.Named("min_orders", orders),
		clickhouse.Named("min_points", points), clickhouse.Named("min_engagement", eng), clickhouse.Named("rule_all", all),
		clickhouse.Named("review_days", m.cfg.ReviewDays), clickhouse.Named("near", m.cfg.NearUpgrade),
		clickhouse.Named("lower_names", lower), clickhouse.Named("max_down", m.cfg.MaxDowngradeLevels),
		clickhouse.Named("window_start", FormatUTC(w.DayStart(m.cfg.WindowDays-1))),
		clickhouse.Named("prev", prev.Format(DateLayout)))
	res := Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}, Params: map[string]float64{}}
	for _, step := range []struct{ table, query string }{{"tiers", "fill"}, {"tier_migration", "migration"}} {
		n, err := ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return exec(ctx, env.Conn, "tiers", step.query, map[string]string{"stage": stage}, args)
		})
		if err != nil {
			return Result{}, fmt.Errorf("tiers: %w", err)
		}
		res.Rows[step.table] = n
	}
	if err := m.kpis(ctx, env, args, res.Metrics); err != nil {
		return Result{}, fmt.Errorf("tiers kpis: %w", err)
	}
	return res, nil
}

// kpis records per tier members, ARPU (mean window spend), repurchase
// rate (share with 2+ paid orders in the window) and near-upgrade count,
// and, against the previous as_of, the upgrade conversion rate and the
// retention of upgraded members (absent when there is no such member).
func (m *Tiers) kpis(ctx context.Context, env Env, args []any, out map[string]float64) error {
	q, err := Query("tiers", "per_tier", nil)
	if err != nil {
		return err
	}
	rows, err := env.Conn.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tier string
		var n, arpu, rep, near float64
		if err := rows.Scan(&tier, &n, &arpu, &rep, &near); err != nil {
			return err
		}
		t := metricName(tier)
		out["members_"+t], out["arpu_"+t], out["repurchase_rate_"+t], out["near_upgrade_"+t] = n, arpu, rep, near
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range []struct{ query, metric string }{
		{"conversion", "upgrade_conversion_rate"}, {"upgraded_retention", "upgraded_retention_rate"},
	} {
		var base, hit float64
		if err := queryRow(ctx, env.Conn, "tiers", k.query, nil, args, &base, &hit); err != nil {
			return err
		}
		if base > 0 {
			out[k.metric] = hit / base
		}
		out[k.metric+"_base"] = base
	}
	return nil
}
