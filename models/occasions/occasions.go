// Package occasions is the occasions model: members whose birthday or
// membership anniversary falls in the next models.occasions.days days,
// the trigger lists of CRM journeys. Start at Occasions.Run; the rules
// (any birth year, Feb 29 in other years) are in occasions.sql and
// models/README.md. member_profile publishes the rows to segment_members
// as family occasion.
package occasions

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed occasions.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("occasions", sqlSrc)

// Params are the model's parameters, config key models.occasions.
type Params struct {
	// Days is the length of the list's horizon: occasions dated as_of to
	// as_of + Days - 1 are listed.
	Days int `yaml:"days"`
}

// DefaultParams returns the parameters a config without the section gets:
// the next 14 days.
func DefaultParams() Params { return Params{Days: 14} }

// Validate names the first bad field. Days is at most 365, so no member
// has two of the same occasion in one list.
func (p Params) Validate() error {
	if p.Days < 1 || p.Days > 365 {
		return fmt.Errorf("models.occasions.days: must be 1 to 365, got %d", p.Days)
	}
	return nil
}

// Occasions is the occasions model. It reads members_current only.
type Occasions struct{ p Params }

// New returns the model, or an error when p is invalid.
func New(p Params) (*Occasions, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Occasions{p: p}, nil
}

// FromConfig decodes the models.occasions section over DefaultParams and
// returns the model.
func FromConfig(section config.Params) (*Occasions, error) {
	p := DefaultParams()
	if err := section.Decode("models.occasions", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*Occasions) Name() string { return "occasions" }

// Deps: the model reads only members_current.
func (*Occasions) Deps() []string { return nil }

// Params returns the model's parameters.
func (m *Occasions) Params() Params { return m.p }

// Tables declares the output table (migration 076_occasions.sql).
func (*Occasions) Tables() []models.Table {
	return []models.Table{{Name: "occasions", Sharded: true, Migration: "076_occasions.sql",
		Comment: "Birthdays and membership anniversaries in the next models.occasions.days days per as_of: member, occasion, its date, days until it, years reached."}}
}

// Run publishes the as_of partition of occasions through a stage table:
// a re-run replaces it, a failed run leaves the previous one.
func (m *Occasions) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	args := w.Args(env.RunID, clickhouse.Named("last", m.p.Days-1))
	q := queries.On(env.Conn)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{"birthday": 0, "anniversary": 0}}
	n, err := q.Stage(ctx, "occasions", w.AsOf, func(stage string) error {
		t := query.Tables{"stage": stage}
		if err := q.Exec(ctx, "fill", t, args...); err != nil {
			return err
		}
		return q.Each(ctx, "summary", t, nil, func(r warehouse.Rows) error {
			var occ string
			var n uint64
			if err := r.Scan(&occ, &n); err != nil {
				return err
			}
			res.Metrics[occ] = float64(n)
			return nil
		})
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("occasions: %w", err)
	}
	res.Rows["occasions"] = n
	var invalid uint64
	if err := q.Row(ctx, "invalid", nil, args, &invalid); err != nil {
		return models.Result{}, fmt.Errorf("occasions: %w", err)
	}
	res.Metrics["invalid_birth_dates"] = float64(invalid)
	res.Params = map[string]float64{"days": float64(m.p.Days)}
	return res, nil
}
