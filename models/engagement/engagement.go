package models

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
)

// Engagement is the engagement model: 30- and 90-day event counts, a
// configurable weighted score 0-100, its percentile and the "engaged but
// low spend" flag, per member who joined by as_of. Output: engagement.
type Engagement struct {
	cfg config.Engagement
}

// NewEngagement returns the engagement model.
func NewEngagement(cfg config.Engagement) *Engagement { return &Engagement{cfg: cfg} }

// Name implements Model.
func (*Engagement) Name() string { return "engagement" }

// Deps implements Model.
func (*Engagement) Deps() []string { return nil }

// Run implements Model.
func (m *Engagement) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	w := NewWindow(asOf, env.location())
	extra := []any{
		clickhouse.Named("start_30", FormatUTC(w.DayStart(29))),
		clickhouse.Named("start_90", FormatUTC(w.DayStart(89))),
		clickhouse.Named("start_365", FormatUTC(w.DayStart(364))),
	}
	params := map[string]float64{}
	for _, e := range config.EngagementEvents {
		v := m.cfg.Weights[e] // a missing weight is 0
		extra = append(extra, clickhouse.Named("w_"+e, v))
		params["weight_"+e] = v
	}
	args := w.Args(env.RunID, extra...)
	res := Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}, Params: params}
	q := query.For(env.Conn, "engagement")
	sc, err := q.Scratch(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("engagement: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"scratch": sc.Table("base")}
	if err := q.Exec(ctx, "base_create", t); err != nil {
		return Result{}, fmt.Errorf("engagement: %w", err)
	}
	if err := q.Exec(ctx, "base_fill", t, args...); err != nil {
		return Result{}, fmt.Errorf("engagement: %w", err)
	}
	n, err := q.Stage(ctx, "engagement", w.AsOf, func(stage string) error {
		t["stage"] = stage
		if err := q.Exec(ctx, "fill", t, args...); err != nil {
			return err
		}
		var members, avg, els, active float64
		if err := q.Row(ctx, "summary", t, nil, &members, &avg, &els, &active); err != nil {
			return err
		}
		res.Metrics["members"], res.Metrics["avg_score"], res.Metrics["engaged_low_spend"], res.Metrics["members_with_events"] = members, avg, els, active
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("engagement: %w", err)
	}
	res.Rows["engagement"] = n
	return res, nil
}

// Tables implements Declarer.
func (*Engagement) Tables() []Table {
	return []Table{
		{Name: "engagement", Sharded: true, Migration: "024_engagement.sql",
			Comment: "Engagement per member and as_of: event counts over 30 and 90 days, weighted score 0-100, percentile, engaged-but-low-spend flag."},
	}
}
