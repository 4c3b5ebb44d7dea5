package models

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
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
	err := WithScratch(ctx, env.Conn, "cohorts_base", func(scratch string) error {
		t := map[string]string{"scratch": scratch}
		if err := exec(ctx, env.Conn, "cohorts", "base_create", t, nil); err != nil {
			return err
		}
		if err := exec(ctx, env.Conn, "cohorts", "base_fill_"+by, t, w.Args(env.RunID)); err != nil {
			return err
		}
		n, err := ReplacePartition(ctx, env.Conn, "cohorts", w.AsOf, func(stage string) error {
			t["stage"] = stage
			for _, pt := range []string{"month", "week"} {
				args := w.Args(env.RunID, clickhouse.Named("pt", pt), clickhouse.Named("by", by))
				if err := exec(ctx, env.Conn, "cohorts", "fill", t, args); err != nil {
					return fmt.Errorf("%s periods: %w", pt, err)
				}
			}
			return nil
		})
		res.Rows["cohorts"] = n
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("cohorts: %w", err)
	}
	return res, nil
}
