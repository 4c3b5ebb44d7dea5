package models

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
)

// Cohorts is the cohorts model: retention cells by cohort (first-order or
// join month/week) and period since, with active members, retention,
// revenue, revenue retention and cumulative repeat rate, for monthly and
// weekly periods. Output: table cohorts.
type Cohorts struct {
	cfg config.Cohorts
}

// NewCohorts returns the cohorts model.
func NewCohorts(cfg config.Cohorts) *Cohorts { return &Cohorts{cfg: cfg} }

// Name implements Model.
func (*Cohorts) Name() string { return "cohorts" }

// Deps implements Model.
func (*Cohorts) Deps() []string { return nil }

// Run implements Model.
func (m *Cohorts) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	w := NewWindow(asOf, env.location())
	by := m.cfg.By
	if by == "" {
		by = "first_order"
	}
	res := Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	q := query.For(env.Conn, "cohorts")
	sc, err := q.Scratch(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("cohorts: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"scratch": sc.Table("base")}
	if err := q.Exec(ctx, "base_create", t); err != nil {
		return Result{}, fmt.Errorf("cohorts: %w", err)
	}
	if err := q.Exec(ctx, "base_fill_"+by, t, w.Args(env.RunID)...); err != nil {
		return Result{}, fmt.Errorf("cohorts: %w", err)
	}
	n, err := q.Stage(ctx, "cohorts", w.AsOf, func(stage string) error {
		t["stage"] = stage
		for _, pt := range []string{"month", "week"} {
			args := w.Args(env.RunID, clickhouse.Named("pt", pt), clickhouse.Named("by", by))
			if err := q.Exec(ctx, "fill", t, args...); err != nil {
				return fmt.Errorf("%s periods: %w", pt, err)
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("cohorts: %w", err)
	}
	res.Rows["cohorts"] = n
	return res, nil
}

// Tables implements Declarer.
func (*Cohorts) Tables() []Table {
	return []Table{
		{Name: "cohorts", Sharded: false, Migration: "023_cohorts.sql",
			Comment: "Cohort retention cells per as_of: cohort (first order or join month), period type (month, week) and period; size, active, retention, revenue, revenue retention, cumulative repeat rate."},
	}
}
