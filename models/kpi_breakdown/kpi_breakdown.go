// Package kpibreakdown is the kpi_breakdown model: the headline KPIs
// (members, active members, buyers, revenue, AOV, repurchase rate,
// churn-risk share, average CLV, discount cost) by region, acquisition
// channel, tier, value layer and lifecycle stage (member basis) and by
// sales channel and store (order basis), and the top members' share of
// revenue. It reads member_profile of the same as_of (its one dependency)
// and the paid orders of its window. Start with Run and
// kpi_breakdown.sql; the tables' columns are defined in
// sql/schema/085_kpi_breakdown.sql.
package kpibreakdown

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed kpi_breakdown.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("kpi_breakdown", sqlSrc)

// Name is the model's stable name: its job, metric label and tables.
const Name = "kpi_breakdown"

// churnBands are the churn model's risk bands.
var churnBands = []string{"low", "medium", "high", "critical", "lapsed"}

// Params are the model's parameters, config key models.kpi_breakdown.
type Params struct {
	// WindowDays is the window of orders, buyers, revenue, discount: the
	// WindowDays days ending with as_of.
	WindowDays int `yaml:"window_days"`
	// ActiveDays makes a member active with a paid order in the last
	// ActiveDays days; at most WindowDays.
	ActiveDays int `yaml:"active_days"`
	// TopShares are the top shares of members kpi_contribution describes,
	// ascending, each in (0, 1].
	TopShares []float64 `yaml:"top_shares"`
	// ChurnRiskBands are the churn risk bands that count as at risk.
	ChurnRiskBands []string `yaml:"churn_risk_bands"`
}

// DefaultParams returns the parameters a config without the section gets.
func DefaultParams() Params {
	return Params{WindowDays: 365, ActiveDays: 90, TopShares: []float64{0.01, 0.05, 0.1}, ChurnRiskBands: []string{"high", "critical"}}
}

// Validate names the first bad field.
func (p Params) Validate() error {
	switch {
	case p.WindowDays < 1:
		return fmt.Errorf("models.kpi_breakdown.window_days: must be at least 1, got %d", p.WindowDays)
	case p.ActiveDays < 1 || p.ActiveDays > p.WindowDays:
		return fmt.Errorf("models.kpi_breakdown.active_days: must be between 1 and window_days (%d), got %d", p.WindowDays, p.ActiveDays)
	case len(p.TopShares) == 0:
		return fmt.Errorf("models.kpi_breakdown.top_shares: must list at least one share")
	case len(p.ChurnRiskBands) == 0:
		return fmt.Errorf("models.kpi_breakdown.churn_risk_bands: must list at least one band")
	}
	for i, s := range p.TopShares {
		if !(s > 0 && s <= 1) || i > 0 && s <= p.TopShares[i-1] {
			return fmt.Errorf("models.kpi_breakdown.top_shares: must be ascending shares in (0, 1], got %v", p.TopShares)
		}
	}
	for _, b := range p.ChurnRiskBands {
		if !slices.Contains(churnBands, b) {
			return fmt.Errorf("models.kpi_breakdown.churn_risk_bands: unknown band %q, want some of %s", b, strings.Join(churnBands, ", "))
		}
	}
	return nil
}

// KPIBreakdown is the model. It is safe for concurrent use.
type KPIBreakdown struct{ p Params }

// New returns the model, or an error when p is invalid.
func New(p Params) (*KPIBreakdown, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &KPIBreakdown{p: p}, nil
}

// FromConfig decodes the models.kpi_breakdown section over DefaultParams
// and returns the model; a bad key or value is an error naming it.
func FromConfig(section config.Params) (*KPIBreakdown, error) {
	p := DefaultParams()
	if err := section.Decode("models.kpi_breakdown", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// Name implements models.Model.
func (*KPIBreakdown) Name() string { return Name }

// Deps implements models.Model: member_profile of the same as_of carries
// every per-member column the breakdown splits by.
func (*KPIBreakdown) Deps() []string { return []string{"member_profile"} }

// Tables implements models.Declarer: two small home tables.
func (*KPIBreakdown) Tables() []models.Table {
	return []models.Table{
		{Name: "kpi_breakdown", Migration: "085_kpi_breakdown.sql",
			Comment: "Headline KPIs per as_of, one row per (dimension, value) plus an all row: members, active, buyers, revenue, AOV, repurchase rate, churn-risk share, average CLV, discount cost and shares of the all row, by region, acquisition channel, tier, value layer, lifecycle stage (member basis) and sales channel, store (order basis)."},
		{Name: "kpi_contribution", Migration: "085_kpi_breakdown.sql",
			Comment: "Share of revenue of the top members per as_of, one row per configured top share (e.g. 1%, 5%, 10% of members by window revenue): their revenue, share of revenue and revenue per member against the average member."},
	}
}

// Run publishes the as_of partitions of kpi_breakdown and
// kpi_contribution, each through a stage table: a re-run replaces them, a
// failed run leaves the previous ones. It reads member_profile rows of
// exactly the run env.Inputs names.
func (m *KPIBreakdown) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	profileRun, ok := env.Inputs["member_profile"]
	if !ok {
		return models.Result{}, fmt.Errorf("kpi_breakdown: no run of dependency member_profile given: run models through RunOne or RunAll")
	}
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	w := models.NewWindow(asOf, loc)
	args := w.Args(env.RunID,
		clickhouse.Named("dep_member_profile", profileRun),
		clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.p.WindowDays-1))),
		clickhouse.Named("active_start", models.FormatUTC(w.DayStart(m.p.ActiveDays-1))),
		clickhouse.Named("risk_bands", m.p.ChurnRiskBands),
		clickhouse.Named("top_shares", m.p.TopShares),
	)
	q := queries.On(env.Conn)
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("kpi_breakdown: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"base": sc.Table("base"), "raw": sc.Table("raw")}
	for _, step := range []string{"base_create", "base_fill", "raw_create", "raw_members", "raw_orders"} {
		if err := q.Exec(ctx, step, t, args...); err != nil {
			return models.Result{}, fmt.Errorf("kpi_breakdown: %w", err)
		}
	}
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	n, err := q.Stage(ctx, "kpi_breakdown", w.AsOf, func(stage string) error {
		st := query.Tables{"stage": stage, "raw": t["raw"]}
		if err := q.Exec(ctx, "fill", st, args...); err != nil {
			return err
		}
		var members uint64
		var revenue, discount, risk float64
		if err := q.Row(ctx, "summary", st, nil, &members, &revenue, &discount, &risk); err != nil {
			return err
		}
		res.Metrics["members"], res.Metrics["revenue"] = float64(members), revenue
		res.Metrics["discount"], res.Metrics["churn_risk_share"] = discount, risk
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("kpi_breakdown: %w", err)
	}
	res.Rows["kpi_breakdown"] = n
	n, err = q.Stage(ctx, "kpi_contribution", w.AsOf, func(stage string) error {
		st := query.Tables{"stage": stage, "base": t["base"]}
		if err := q.Exec(ctx, "contribution", st, args...); err != nil {
			return err
		}
		return q.Each(ctx, "contribution_summary", st, nil, func(r warehouse.Rows) error {
			var share, revShare, ratio float64
			if err := r.Scan(&share, &revShare, &ratio); err != nil {
				return err
			}
			pct := strconv.FormatFloat(math.Round(share*10000)/100, 'f', -1, 64)
			key := "top_" + strings.ReplaceAll(pct, ".", "_") + "pct"
			res.Metrics[key+"_revenue_share"], res.Metrics[key+"_ratio"] = revShare, ratio
			return nil
		})
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("kpi_breakdown: %w", err)
	}
	res.Rows["kpi_contribution"] = n
	res.Params = map[string]float64{"window_days": float64(m.p.WindowDays), "active_days": float64(m.p.ActiveDays)}
	return res, nil
}
