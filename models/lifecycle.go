package models

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/config"
)

// Fallback lifecycle gaps when the data has no repeat purchase to learn from.
const (
	fallbackDormantDays = 90
	fallbackChurnedDays = 180
)

// Lifecycle is the lifecycle model: prospect, new, active, loyal, dormant
// or churned per member, with thresholds learned from inter-purchase gaps
// unless configured, and the from -> to flow since the previous as_of.
// Outputs: lifecycle, lifecycle_flow.
type Lifecycle struct {
	cfg config.Lifecycle
}

// NewLifecycle returns the lifecycle model.
func NewLifecycle(cfg config.Lifecycle) *Lifecycle { return &Lifecycle{cfg: cfg} }

// Name implements Model.
func (*Lifecycle) Name() string { return "lifecycle" }

// Deps implements Model.
func (*Lifecycle) Deps() []string { return nil }

// Outputs implements Outputter.
func (*Lifecycle) Outputs() []string { return []string{"lifecycle", "lifecycle_flow"} }

// Thresholds returns the dormant and churned gaps for w: the configured
// ones, or the configured percentiles of observed inter-purchase gaps.
func (m *Lifecycle) Thresholds(ctx context.Context, env Env, w Window) (dormant, churned int, gaps float64, err error) {
	dormant, churned = m.cfg.DormantDays, m.cfg.ChurnedDays
	if dormant > 0 && churned > 0 {
		return dormant, churned, 0, nil
	}
	var q []float64
	args := w.Args(env.RunID, clickhouse.Named("p_dormant", m.cfg.DormantPercentile), clickhouse.Named("p_churned", m.cfg.ChurnedPercentile))
	if err := queryRow(ctx, env.Conn, "lifecycle", "gaps", nil, args, &gaps, &q); err != nil {
		return 0, 0, 0, err
	}
	ld, lc := fallbackDormantDays, fallbackChurnedDays
	if gaps > 0 && len(q) == 2 {
		ld, lc = int(math.Ceil(q[0])), int(math.Ceil(q[1]))
	}
	if dormant == 0 {
		dormant = ld
	}
	if churned == 0 {
		churned = lc
	}
	if churned <= dormant {
		churned = dormant + 1
	}
	return dormant, churned, gaps, nil
}

// Run implements Model.
func (m *Lifecycle) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	w := NewWindow(asOf, env.location())
	dormant, churned, gaps, err := m.Thresholds(ctx, env, w)
	if err != nil {
		return Result{}, fmt.Errorf("lifecycle thresholds: %w", err)
	}
	prev, err := previousAsOf(ctx, env.Conn, "lifecycle", w)
	if err != nil {
		return Result{}, err
	}
	args := w.Args(env.RunID,
		clickhouse.Named("dormant", dormant), clickhouse.Named("churned", churned),
		clickhouse.Named("new_days", m.cfg.NewDays), clickhouse.Named("loyal", m.cfg.LoyalMinOrders),
		clickhouse.Named("prev", prev.Format(DateLayout)))
	res := Result{
		Rows:    map[string]uint64{},
		Metrics: map[string]float64{},
		Params:  map[string]float64{"dormant_days": float64(dormant), "churned_days": float64(churned), "observed_gaps": gaps},
	}
	for _, step := range []struct{ table, query string }{{"lifecycle", "fill"}, {"lifecycle_flow", "flow"}} {
		n, err := ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return exec(ctx, env.Conn, "lifecycle", step.query, map[string]string{"stage": stage}, args)
		})
		if err != nil {
			return Result{}, fmt.Errorf("lifecycle: %w", err)
		}
		res.Rows[step.table] = n
	}
	q, err := Query("lifecycle", "counts", nil)
	if err != nil {
		return Result{}, err
	}
	rows, err := env.Conn.Query(ctx, q, args...)
	if err != nil {
		return Result{}, fmt.Errorf("lifecycle counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n float64
		if err := rows.Scan(&s, &n); err != nil {
			return Result{}, fmt.Errorf("lifecycle counts: %w", err)
		}
		res.Metrics["members_"+s] = n
	}
	return res, rows.Err()
}
