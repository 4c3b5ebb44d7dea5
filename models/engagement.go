package models

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
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
	err := WithScratch(ctx, env.Conn, "engagement_base", func(scratch string) error {
		t := map[string]string{"scratch": scratch}
		if err := exec(ctx, env.Conn, "engagement", "base_create", t, nil); err != nil {
			return err
		}
		if err := exec(ctx, env.Conn, "engagement", "base_fill", t, args); err != nil {
			return err
		}
		n, err := ReplacePartition(ctx, env.Conn, "engagement", w.AsOf, func(stage string) error {
			t["stage"] = stage
			if err := exec(ctx, env.Conn, "engagement", "fill", t, args); err != nil {
				return err
			}
			var members, avg, els, active float64
			if err := queryRow(ctx, env.Conn, "engagement", "summary", t, nil, &members, &avg, &els, &active); err != nil {
				return err
			}
			res.Metrics["members"], res.Metrics["avg_score"], res.Metrics["engaged_low_spend"], res.Metrics["members_with_events"] = members, avg, els, active
			return nil
		})
		res.Rows["engagement"] = n
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("engagement: %w", err)
	}
	return res, nil
}
