// Package cohorts is the cohorts model: retention cells per cohort and
// period (table cohorts). Parameters: Params (models.cohorts); queries:
// cohorts.sql.
package cohorts

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
//go:embed cohorts.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("cohorts", sqlSrc)

// Cohorts is the cohorts model: retention cells by cohort (first-order or
// join month/week) and period since, with active members, retention,
// revenue, revenue retention and cumulative repeat rate, for monthly and
// weekly periods. Output: table cohorts.
type Cohorts struct {
	cfg Params
}

// New returns the cohorts model, or p's problems when it is invalid.
func New(p Params) (*Cohorts, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Cohorts{cfg: p}, nil
}

// Name implements models.Model.
func (*Cohorts) Name() string { return "cohorts" }

// Deps implements models.Model.
func (*Cohorts) Deps() []string { return nil }

// Run implements models.Model.
func (m *Cohorts) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	by := m.cfg.By
	if by == "" {
		by = "first_order"
	}
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	q := queries.On(env.Conn)
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("cohorts: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"scratch": sc.Table("base")}
	if err := q.Exec(ctx, "base_create", t); err != nil {
		return models.Result{}, fmt.Errorf("cohorts: %w", err)
	}
	if err := q.Exec(ctx, "base_fill_"+by, t, w.Args(env.RunID)...); err != nil {
		return models.Result{}, fmt.Errorf("cohorts: %w", err)
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
		return models.Result{}, fmt.Errorf("cohorts: %w", err)
	}
	res.Rows["cohorts"] = n
	return res, nil
}

// Tables implements models.Declarer.
func (*Cohorts) Tables() []models.Table {
	return []models.Table{
		{Name: "cohorts", Sharded: false, Migration: "023_cohorts.sql",
			Comment: "Cohort retention cells per as_of: cohort (first order or join month), period type (month, week) and period; size, active, retention, revenue, revenue retention, cumulative repeat rate."},
	}
}
