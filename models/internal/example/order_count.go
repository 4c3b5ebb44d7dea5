// Package example is the model the walkthrough in docs/architecture.md
// adds: one folder with the model's Go, its SQL, its parameters, its
// output-table declaration and its tests. It is a test fixture and not
// registered in production.
package example

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed order_count.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("order_count", sqlSrc)

// Params are the model's parameters, config key models.order_count.
type Params struct {
	// WindowDays counts orders in the last WindowDays days up to as_of.
	WindowDays int `yaml:"window_days"`
}

// DefaultParams returns the parameters a config without the section gets.
func DefaultParams() Params { return Params{WindowDays: 365} }

// Validate names the first bad field.
func (p Params) Validate() error {
	if p.WindowDays < 1 {
		return fmt.Errorf("models.order_count.window_days: must be at least 1, got %d", p.WindowDays)
	}
	return nil
}

// FromConfig decodes section (models.order_count) over DefaultParams and
// returns the model, or the section's problems naming the key and line.
func FromConfig(section config.Params) (*OrderCount, error) {
	p := DefaultParams()
	if err := section.Decode("models.order_count", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// OrderCount counts each member's paid orders in a window up to as_of.
type OrderCount struct{ p Params }

// New returns the model, or an error when p is invalid.
func New(p Params) (*OrderCount, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &OrderCount{p: p}, nil
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*OrderCount) Name() string { return "order_count" }

// Deps: the model reads only the raw *_current views.
func (*OrderCount) Deps() []string { return nil }

// Tables declares the output table. Its CREATE TABLE goes in a new
// migration (sql/schema/NNN_order_count.sql); a production model is also
// listed in sql/cluster.go and sql/schema/table_comments.tsv, which
// TestModelTablesDeclared checks against this declaration.
func (*OrderCount) Tables() []models.Table {
	return []models.Table{{Name: "order_count", Sharded: true, Migration: "NNN_order_count.sql",
		Comment: "Paid orders per member and as_of over the configured window."}}
}

// Run publishes the as_of partition of order_count through a stage table:
// a re-run replaces it, a failed run leaves the previous one.
func (m *OrderCount) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	args := w.Args(env.RunID, clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.p.WindowDays-1))))
	q := queries.On(env.Conn)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	n, err := q.Stage(ctx, "order_count", w.AsOf, func(stage string) error {
		t := query.Tables{"stage": stage}
		if err := q.Exec(ctx, "fill", t, args...); err != nil {
			return err
		}
		var members, orders uint64
		if err := q.Row(ctx, "summary", t, nil, &members, &orders); err != nil {
			return err
		}
		res.Metrics["members"], res.Metrics["orders"] = float64(members), float64(orders)
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("order_count: %w", err)
	}
	res.Rows["order_count"] = n
	return res, nil
}
