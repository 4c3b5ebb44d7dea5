// Package lifecycle is the lifecycle model: each member's stage and the
// flows between stages (tables lifecycle, lifecycle_flow). Parameters:
// Params (models.lifecycle); queries: lifecycle.sql.
package lifecycle

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// Fallback lifecycle thresholds when the data has no repeat purchase to
// learn from.
const (
	fallbackSilentDays   = 90
	fallbackSleepingDays = 180
	fallbackChurnedDays  = 365
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed lifecycle.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("lifecycle", sqlSrc)

// Lifecycle is the lifecycle model: prospect, new, active, loyal, silent,
// sleeping or churned per member, with thresholds learned from
// inter-purchase gaps (open gaps censored, smoothed across runs) unless
// configured, the from -> to flow since the previous as_of and the
// reactivation of last run's inactive members. Outputs: lifecycle,
// lifecycle_flow.
type Lifecycle struct {
	cfg Params
}

// New returns the lifecycle model, or p's problems when it is invalid.
func New(p Params) (*Lifecycle, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Lifecycle{cfg: p}, nil
}

// Name implements models.Model.
func (*Lifecycle) Name() string { return "lifecycle" }

// Deps implements models.Model.
func (*Lifecycle) Deps() []string { return nil }

// GapCount is the number of completed (Events) and open (Censored)
// inter-purchase gaps of one length in days.
type GapCount struct {
	Days, Events, Censored float64
}

// KaplanMeierQuantiles returns, for each level p, the smallest gap t with
// F(t) >= p x F(tmax), where F = 1 - S is the Kaplan-Meier estimate of the
// time to the next purchase day (an open gap is censored: at risk up to
// and including its length) and tmax the longest completed gap. Because
// some buyers never come back the curve levels off below 1, so the level
// is taken of the share that does come back within tmax. gaps must be
// sorted by Days; ok is false when there is no completed gap.
func KaplanMeierQuantiles(gaps []GapCount, levels []float64) (q []float64, ok bool) {
	atRisk := 0.0
	for _, g := range gaps {
		atRisk += g.Events + g.Censored
	}
	var ts, fs []float64
	s := 1.0
	for _, g := range gaps {
		if g.Events > 0 && atRisk > 0 {
			s *= 1 - g.Events/atRisk
			ts, fs = append(ts, g.Days), append(fs, 1-s)
		}
		atRisk -= g.Events + g.Censored
	}
	if len(ts) == 0 {
		return nil, false
	}
	top := fs[len(fs)-1]
	q = make([]float64, len(levels))
	for i, p := range levels {
		q[i] = ts[len(ts)-1]
		for j := range ts {
			if fs[j] >= p*top-1e-12 {
				q[i] = ts[j]
				break
			}
		}
	}
	return q, true
}

// Thresholds is what Run used: the silent, sleeping and churned days, the
// values learned from this run's gaps before smoothing, the smoothing
// weight applied (0 without a previous run) and the gap counts.
type Thresholds struct {
	Silent, Sleeping, Churned                      int
	LearnedSilent, LearnedSleeping, LearnedChurned float64
	Smoothing                                      float64
	Events, Censored                               float64
}

// Thresholds returns the thresholds for w: configured ones as they are;
// learned ones from KaplanMeierQuantiles of this as_of's gaps (fallback
// 90/180/365 days without a completed gap), blended with the thresholds
// published for prev (the previous as_of) by cfg.Smoothing. Each is then
// at least one day above the one before.
func (m *Lifecycle) Thresholds(ctx context.Context, env models.Env, w models.Window, prev time.Time) (Thresholds, error) {
	var th Thresholds
	args := w.Args(env.RunID, clickhouse.Named("prev", prev.Format(asof.Layout)))
	q := queries.On(env.Conn)
	var gaps []GapCount
	err := q.Each(ctx, "gaps", nil, args, func(r warehouse.Rows) error {
		var g GapCount
		if err := r.Scan(&g.Days, &g.Events, &g.Censored); err != nil {
			return err
		}
		th.Events, th.Censored = th.Events+g.Events, th.Censored+g.Censored
		gaps = append(gaps, g)
		return nil
	})
	if err != nil {
		return th, err
	}
	learned := []float64{fallbackSilentDays, fallbackSleepingDays, fallbackChurnedDays}
	if qs, ok := KaplanMeierQuantiles(gaps, []float64{m.cfg.SilentPercentile, m.cfg.SleepingPercentile, m.cfg.ChurnedPercentile}); ok {
		learned = qs
	}
	th.LearnedSilent, th.LearnedSleeping, th.LearnedChurned = learned[0], learned[1], learned[2]
	previous := map[string]float64{}
	err = q.Each(ctx, "previous_thresholds", nil, args, func(r warehouse.Rows) error {
		var k string
		var v float64
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		previous[k] = v
		return nil
	})
	if err != nil {
		return th, err
	}
	used := make([]int, 3)
	for i, k := range []struct {
		name       string
		configured int
	}{{"silent_days", m.cfg.SilentDays}, {"sleeping_days", m.cfg.SleepingDays}, {"churned_days", m.cfg.ChurnedDays}} {
		v := learned[i]
		if p, ok := previous[k.name]; ok && m.cfg.Smoothing > 0 {
			v = m.cfg.Smoothing*p + (1-m.cfg.Smoothing)*v
			th.Smoothing = m.cfg.Smoothing
		}
		used[i] = int(math.Round(v))
		if k.configured > 0 {
			used[i] = k.configured
		}
		if used[i] < 1 {
			used[i] = 1
		}
		if i > 0 && used[i] <= used[i-1] {
			used[i] = used[i-1] + 1
		}
	}
	th.Silent, th.Sleeping, th.Churned = used[0], used[1], used[2]
	return th, nil
}

// Run implements models.Model.
func (m *Lifecycle) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	prev, err := models.PreviousAsOf(ctx, env.Conn, "lifecycle", w)
	if err != nil {
		return models.Result{}, err
	}
	th, err := m.Thresholds(ctx, env, w, prev)
	if err != nil {
		return models.Result{}, fmt.Errorf("lifecycle thresholds: %w", err)
	}
	args := w.Args(env.RunID,
		clickhouse.Named("silent", th.Silent), clickhouse.Named("sleeping", th.Sleeping), clickhouse.Named("churned", th.Churned),
		clickhouse.Named("new_days", m.cfg.NewDays), clickhouse.Named("loyal", m.cfg.LoyalMinOrders),
		clickhouse.Named("prev", prev.Format(asof.Layout)))
	res := models.Result{
		Rows:    map[string]uint64{},
		Metrics: map[string]float64{},
		Params: map[string]float64{
			"silent_days": float64(th.Silent), "sleeping_days": float64(th.Sleeping), "churned_days": float64(th.Churned),
			"learned_silent_days": th.LearnedSilent, "learned_sleeping_days": th.LearnedSleeping, "learned_churned_days": th.LearnedChurned,
			"smoothing": th.Smoothing, "observed_gaps": th.Events, "censored_gaps": th.Censored,
		},
	}
	for _, step := range []struct{ table, query string }{{"lifecycle", "fill"}, {"lifecycle_flow", "flow"}} {
		n, err := query.ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return queries.On(env.Conn).Exec(ctx, step.query, map[string]string{"stage": stage}, args...)
		})
		if err != nil {
			return models.Result{}, fmt.Errorf("lifecycle: %w", err)
		}
		res.Rows[step.table] = n
	}
	if err := m.stageMetrics(ctx, env, args, res.Metrics); err != nil {
		return models.Result{}, err
	}
	return res, nil
}

// stageMetrics records members per stage and, per stage silent, sleeping
// and churned of the previous as_of, reactivation_base_<stage> (members in
// it then) and reactivation_rate_<stage> (the share of them with a purchase
// day since; absent when the base is 0).
func (m *Lifecycle) stageMetrics(ctx context.Context, env models.Env, args []any, out map[string]float64) error {
	q := queries.On(env.Conn)
	for _, name := range []string{"counts", "reactivation"} {
		err := q.Each(ctx, name, nil, args, func(r warehouse.Rows) error {
			var s string
			var n, hit float64
			dst := []any{&s, &n}
			if name == "reactivation" {
				dst = append(dst, &hit)
			}
			if err := r.Scan(dst...); err != nil {
				return err
			}
			if name == "counts" {
				out["members_"+s] = n
				return nil
			}
			out["reactivation_base_"+s] = n
			if n > 0 {
				out["reactivation_rate_"+s] = hit / n
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Tables implements models.Declarer.
func (*Lifecycle) Tables() []models.Table {
	return []models.Table{
		{Name: "lifecycle", Sharded: true, Migration: "025_lifecycle.sql",
			Comment: "Lifecycle stage per member and as_of: prospect, new, active, loyal, silent, sleeping, churned, with the previous as_of's stage and the thresholds used."},
		{Name: "lifecycle_flow", Sharded: false, Migration: "025_lifecycle.sql",
			Comment: "Members moving from one lifecycle stage to another between the previous as_of and this one (from -> to counts)."},
	}
}
