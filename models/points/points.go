// Package points is the points model: each member's points account and
// the programme's outstanding points, liability, earn and redemption
// rates and breakage per tier, from the points_earned, points_redeemed and
// points_expired events. Start at Points.Run; the figures are defined in
// the column comments of sql/schema/075_points.sql and in models/README.md.
package points

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed points.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("points", sqlSrc)

// Params are the model's parameters, config key models.points.
type Params struct {
	// WindowDays is the window of the earned/redeemed/expired figures and
	// the rates: the last WindowDays days up to and including as_of.
	WindowDays int `yaml:"window_days"`
	// ValuePerPoint is the money one point costs the programme when it is
	// redeemed; liability is outstanding points times it.
	ValuePerPoint float64 `yaml:"value_per_point"`
	// Currency labels liability; empty takes report.currency.
	Currency string `yaml:"currency"`
}

// DefaultParams returns the parameters a config without the section gets:
// a 30-day window and one point worth 0.01.
func DefaultParams() Params { return Params{WindowDays: 30, ValuePerPoint: 0.01} }

// Validate names the first bad field.
func (p Params) Validate() error {
	switch {
	case p.WindowDays < 1 || p.WindowDays > 3660:
		return fmt.Errorf("models.points.window_days: must be 1 to 3660, got %d", p.WindowDays)
	case !(p.ValuePerPoint > 0) || math.IsInf(p.ValuePerPoint, 0):
		return fmt.Errorf("models.points.value_per_point: must be a positive number, got %v", p.ValuePerPoint)
	case utf8.RuneCountInString(p.Currency) > 8:
		return fmt.Errorf("models.points.currency: must be at most 8 characters, got %q", p.Currency)
	}
	return nil
}

// Points is the points model. It depends on tiers, whose output of the
// same as_of gives each member's tier.
type Points struct{ p Params }

// New returns the model, or an error when p is invalid.
func New(p Params) (*Points, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Points{p: p}, nil
}

// FromConfig decodes the models.points section over DefaultParams, takes
// currency (report.currency) when the section names none, and returns the
// model.
func FromConfig(section config.Params, currency string) (*Points, error) {
	p := DefaultParams()
	if err := section.Decode("models.points", &p); err != nil {
		return nil, err
	}
	if p.Currency == "" {
		p.Currency = currency
	}
	return New(p)
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*Points) Name() string { return "points" }

// Deps: each member's tier comes from the tiers run of the same as_of.
func (*Points) Deps() []string { return []string{"tiers"} }

// Params returns the model's parameters.
func (m *Points) Params() Params { return m.p }

// Tables declares the output tables (migration 075_points.sql).
func (*Points) Tables() []models.Table {
	return []models.Table{
		{Name: "points_balance", Sharded: true, Migration: "075_points.sql",
			Comment: "Points account per member and as_of: earned, redeemed and expired up to as_of and in the window, balance, liability, tier."},
		{Name: "points_programme", Sharded: false, Migration: "075_points.sql",
			Comment: "Points programme per as_of and tier (and all): outstanding points, liability at the configured value per point, earn and redemption rates, breakage."},
	}
}

// Run publishes the as_of partitions of points_balance and then
// points_programme (computed from the balances just published), each
// through a stage table: a re-run replaces them, a failed run leaves the
// previous ones and is recorded failed, so no snapshot publishes a mix.
func (m *Points) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	tiersRun, ok := env.Inputs["tiers"]
	if !ok {
		return models.Result{}, fmt.Errorf("points: no run of dependency tiers given: run models through RunOne or RunAll")
	}
	w := models.NewWindow(asOf, env.Location)
	args := w.Args(env.RunID,
		clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.p.WindowDays-1))),
		clickhouse.Named("window_days", m.p.WindowDays),
		clickhouse.Named("value_per_point", m.p.ValuePerPoint),
		clickhouse.Named("currency", m.p.Currency),
		clickhouse.Named("dep_tiers", tiersRun))
	q := queries.On(env.Conn)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	n, err := q.Stage(ctx, "points_balance", w.AsOf, func(stage string) error {
		return q.Exec(ctx, "balance", query.Tables{"stage": stage}, args...)
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("points: %w", err)
	}
	res.Rows["points_balance"] = n
	n, err = q.Stage(ctx, "points_programme", w.AsOf, func(stage string) error {
		t := query.Tables{"stage": stage}
		if err := q.Exec(ctx, "programme", t, args...); err != nil {
			return err
		}
		var members, withBalance, active uint64
		var outstanding, liability, earned, redeemed, expired, earnRate, redemption, breakage, settled float64
		if err := q.Row(ctx, "summary", t, nil, &members, &withBalance, &active, &outstanding, &liability,
			&earned, &redeemed, &expired, &earnRate, &redemption, &breakage, &settled); err != nil {
			return err
		}
		for k, v := range map[string]float64{
			"members": float64(members), "members_with_balance": float64(withBalance), "active_members": float64(active),
			"outstanding_points": outstanding, "liability": liability, "earned_window": earned, "redeemed_window": redeemed,
			"expired_window": expired, "earn_per_active_member": earnRate, "redemption_rate": redemption,
			"breakage_window": breakage, "breakage_settled": settled,
		} {
			res.Metrics[k] = v
		}
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("points: %w", err)
	}
	res.Rows["points_programme"] = n
	var negative uint64
	if err := q.Row(ctx, "negative", nil, args, &negative); err != nil {
		return models.Result{}, fmt.Errorf("points: %w", err)
	}
	res.Metrics["negative_balances"] = float64(negative)
	res.Params = map[string]float64{"window_days": float64(m.p.WindowDays), "value_per_point": m.p.ValuePerPoint}
	return res, nil
}
