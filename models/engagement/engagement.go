// Package engagement is the engagement model: weighted event scores per
// member and as_of (table engagement). Parameters: Params
// (models.engagement); queries: engagement.sql.
package engagement

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed engagement.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("engagement", sqlSrc)

// Engagement is the engagement model: 30- and 90-day event counts, a
// configurable weighted score 0-100, its percentile and the "engaged but
// low spend" flag, per member who joined by as_of. Output: engagement.
type Engagement struct {
	cfg Params
}

// New returns the engagement model, or p's problems when it is invalid.
func New(p Params) (*Engagement, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Engagement{cfg: p}, nil
}

// Name implements models.Model.
func (*Engagement) Name() string { return "engagement" }

// Deps implements models.Model.
func (*Engagement) Deps() []string { return nil }

// Run implements models.Model.
func (m *Engagement) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	extra := []any{
		clickhouse.Named("start_30", models.FormatUTC(w.DayStart(29))),
		clickhouse.Named("start_90", models.FormatUTC(w.DayStart(89))),
		clickhouse.Named("start_365", models.FormatUTC(w.DayStart(364))),
	}
	params := map[string]float64{}
	for _, e := range Events {
		v := m.cfg.Weights[e] // a missing weight is 0
		extra = append(extra, clickhouse.Named("w_"+e, v))
		params["weight_"+e] = v
	}
	args := w.Args(env.RunID, extra...)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}, Params: params}
	q := queries.On(env.Conn)
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("engagement: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"scratch": sc.Table("base")}
	if err := q.Exec(ctx, "base_create", t); err != nil {
		return models.Result{}, fmt.Errorf("engagement: %w", err)
	}
	if err := q.Exec(ctx, "base_fill", t, args...); err != nil {
		return models.Result{}, fmt.Errorf("engagement: %w", err)
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
		return models.Result{}, fmt.Errorf("engagement: %w", err)
	}
	res.Rows["engagement"] = n
	return res, nil
}

// Tables implements models.Declarer.
func (*Engagement) Tables() []models.Table {
	return []models.Table{
		{Name: "engagement", Sharded: true, Migration: "024_engagement.sql",
			Comment: "Engagement per member and as_of: event counts over 30 and 90 days, weighted score 0-100, percentile, engaged-but-low-spend flag."},
	}
}
