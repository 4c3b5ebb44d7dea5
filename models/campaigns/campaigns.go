package campaigns

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed campaigns.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("campaigns", sqlSrc)

// Params are the model's parameters, config key models.campaigns.
type Params struct {
	// WindowDays is the attribution window: outcomes count in
	// [assigned_at, assigned_at + WindowDays days).
	WindowDays int `yaml:"window_days"`
	// DefaultTreatmentShare is the intended share of treatment the sample
	// ratio mismatch check tests a campaign against, unless
	// TreatmentShares names the campaign.
	DefaultTreatmentShare float64 `yaml:"default_treatment_share"`
	// TreatmentShares is the intended treatment share per campaign_id.
	TreatmentShares map[string]float64 `yaml:"treatment_shares"`
	// BootstrapReps is the number of bootstrap resamples per interval.
	BootstrapReps int `yaml:"bootstrap_reps"`
	// BootstrapSeed fixes the bootstrap: the same data give the same
	// intervals.
	BootstrapSeed uint64 `yaml:"bootstrap_seed"`
	// MatchedRatio is how many matched non-targeted members a campaign
	// without control gets per targeted member, within each value layer
	// (fewer when the layer has fewer candidates).
	MatchedRatio float64 `yaml:"matched_ratio"`
	// LayerDays is the look-back, before a campaign without control, over
	// which paid orders set a member's value layer.
	LayerDays int `yaml:"layer_days"`
}

// DefaultParams returns the parameters a config without the section gets.
func DefaultParams() Params {
	return Params{WindowDays: 30, DefaultTreatmentShare: 0.5, BootstrapReps: 1000, BootstrapSeed: 1, MatchedRatio: 1, LayerDays: 365}
}

// Validate names the first bad field.
func (p Params) Validate() error {
	share := func(key string, s float64) error {
		if !(s > 0 && s < 1) {
			return fmt.Errorf("models.campaigns.%s: must be between 0 and 1 (exclusive), got %v", key, s)
		}
		return nil
	}
	switch {
	case p.WindowDays < 1 || p.WindowDays > 3650:
		return fmt.Errorf("models.campaigns.window_days: must be 1-3650, got %d", p.WindowDays)
	case p.BootstrapReps < 100:
		return fmt.Errorf("models.campaigns.bootstrap_reps: must be at least 100, got %d", p.BootstrapReps)
	case !(p.MatchedRatio > 0) || math.IsInf(p.MatchedRatio, 0):
		return fmt.Errorf("models.campaigns.matched_ratio: must be above 0, got %v", p.MatchedRatio)
	case p.LayerDays < 1 || p.LayerDays > 3650:
		return fmt.Errorf("models.campaigns.layer_days: must be 1-3650, got %d", p.LayerDays)
	}
	if err := share("default_treatment_share", p.DefaultTreatmentShare); err != nil {
		return err
	}
	ids := make([]string, 0, len(p.TreatmentShares))
	for id := range p.TreatmentShares {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := share("treatment_shares."+id, p.TreatmentShares[id]); err != nil {
			return err
		}
	}
	return nil
}

// share is the intended treatment share of campaign id.
func (p Params) share(id string) float64 {
	if s, ok := p.TreatmentShares[id]; ok {
		return s
	}
	return p.DefaultTreatmentShare
}

// Campaigns measures every campaign assigned by as_of: outcomes per group
// and variant over the attribution window, uplift with intervals and
// p-values, a sample ratio mismatch check, and the upgrade funnel.
type Campaigns struct{ p Params }

// New returns the model, or an error when p is invalid.
func New(p Params) (*Campaigns, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Campaigns{p: p}, nil
}

// FromConfig decodes models.campaigns over DefaultParams and returns the
// model; the registry's one line.
func FromConfig(c config.Params) (*Campaigns, error) {
	p := DefaultParams()
	if err := c.Decode("models.campaigns", &p); err != nil {
		return nil, err
	}
	return New(p)
}

// Name is stable: it keys the job, the metric label and model_metrics.
func (*Campaigns) Name() string { return "campaigns" }

// Deps: tier upgrades and the funnel read the tiers output of the same
// as_of (and earlier tiers partitions for the state before a campaign).
func (*Campaigns) Deps() []string { return []string{"tiers"} }

// Tables declares the output tables (migration 070).
func (*Campaigns) Tables() []models.Table {
	return []models.Table{
		{Name: "campaign_results", Migration: "070_campaign_results.sql",
			Comment: "Campaign outcome per as_of, campaign, group and variant over the attribution window, with uplift against control (or matched members), intervals, p-values, ROI and the SRM check."},
		{Name: "campaign_funnel", Migration: "070_campaign_results.sql",
			Comment: "Upgrade funnel per as_of, campaign and group: members flagged near an upgrade before the campaign, reached, purchased, upgraded."},
	}
}

// campaignInfo is one row of the campaigns query.
type campaignInfo struct {
	id                 string
	first, last        time.Time
	treatment, control uint64
	tiersAsOf          string // "" when no tiers partition precedes it
}

// Run publishes the as_of partitions of campaign_results and
// campaign_funnel through stage tables: a re-run replaces them, a failed
// run leaves the previous ones.
func (m *Campaigns) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	res, err := m.run(ctx, env, asOf)
	if err != nil {
		return models.Result{}, fmt.Errorf("campaigns: %w", err)
	}
	return res, nil
}

func (m *Campaigns) run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	w := models.NewWindow(asOf, loc)
	dep, ok := env.Inputs["tiers"]
	if !ok {
		return models.Result{}, fmt.Errorf("no run of dependency tiers given: run models through RunOne or RunAll")
	}
	q := queries.On(env.Conn)
	window := time.Duration(m.p.WindowDays) * 24 * time.Hour
	base := w.Args(env.RunID, clickhouse.Named("dep_tiers", dep), clickhouse.Named("window_seconds", int64(window/time.Second)))

	var camps []campaignInfo
	err := q.Each(ctx, "campaigns", nil, base, func(r warehouse.Rows) error {
		var c campaignInfo
		if err := r.Scan(&c.id, &c.first, &c.last, &c.treatment, &c.control); err != nil {
			return err
		}
		camps = append(camps, c)
		return nil
	})
	if err != nil {
		return models.Result{}, err
	}
	var tierDates []string
	err = q.Each(ctx, "tier_dates", nil, base, func(r warehouse.Rows) error {
		var d string
		if err := r.Scan(&d); err != nil {
			return err
		}
		tierDates = append(tierDates, d)
		return nil
	})
	if err != nil {
		return models.Result{}, err
	}
	// The tiers partition before a campaign: the latest as_of whose day
	// ended by the campaign's first assigned_at.
	tierCamps, tierAt := []string{""}, []string{"1970-01-01"}
	ordersFrom := w.End
	for i := range camps {
		c := &camps[i]
		for _, d := range tierDates {
			day, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return models.Result{}, fmt.Errorf("tiers as_of %q: %w", d, err)
			}
			if !models.NewWindow(day, loc).End.After(c.first) {
				c.tiersAsOf = d
			}
		}
		if c.tiersAsOf != "" {
			tierCamps, tierAt = append(tierCamps, c.id), append(tierAt, c.tiersAsOf)
		}
		look := max(window, time.Duration(m.p.LayerDays)*24*time.Hour)
		if from := c.first.Add(-look); from.Before(ordersFrom) {
			ordersFrom = from
		}
	}
	args := append(base, clickhouse.Named("tier_campaigns", tierCamps), clickhouse.Named("tier_dates", tierAt),
		clickhouse.Named("orders_from", models.FormatUTC(ordersFrom)))

	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, err
	}
	defer sc.Drop()
	t := query.Tables{"members": sc.Table("members"), "facts": sc.Table("facts")}
	for _, step := range []string{"members_create", "members_fill", "facts_create"} {
		if err := q.Exec(ctx, step, t, args...); err != nil {
			return models.Result{}, err
		}
	}
	matched := 0
	for _, c := range camps {
		if c.control > 0 {
			continue
		}
		if err := m.match(ctx, q, t, args, c); err != nil {
			return models.Result{}, err
		}
		matched++
	}
	for _, step := range []string{"facts_orders", "facts_tiers_before", "facts_tiers_after", "facts_reached"} {
		if err := q.Exec(ctx, step, t, args...); err != nil {
			return models.Result{}, err
		}
	}
	groups := map[string][]Group{}
	err = q.Each(ctx, "groups", t, args, func(r warehouse.Rows) error {
		var g Group
		if err := r.Scan(&g.Campaign, &g.Group, &g.Variant, &g.Members, &g.Converters, &g.Orders, &g.Revenue,
			&g.FirstAssigned, &g.LastAssigned, &g.Cost, &g.Upgrades, &g.Gained, &g.Lost, &g.Revenues, &g.Deltas,
			&g.Flagged, &g.Reached, &g.Purchased, &g.Upgraded); err != nil {
			return err
		}
		groups[g.Campaign] = append(groups[g.Campaign], g)
		return nil
	})
	if err != nil {
		return models.Result{}, err
	}
	var results []Result
	var funnel []FunnelRow
	srm := 0
	for _, c := range camps {
		rs, fs := Analyse(Campaign{ID: c.id, Groups: groups[c.id], TiersKnown: c.tiersAsOf != "", Share: m.p.share(c.id)},
			w.End, window, m.p.BootstrapReps, m.p.BootstrapSeed)
		if len(rs) > 0 && rs[0].SRMMismatch {
			srm++
		}
		results, funnel = append(results, rs...), append(funnel, fs...)
	}
	out := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{
		"campaigns": float64(len(camps)), "campaigns_pre_post": float64(matched), "srm_mismatches": float64(srm)},
		Params: map[string]float64{"window_days": float64(m.p.WindowDays)}}
	n, err := q.Stage(ctx, "campaign_results", w.AsOf, func(stage string) error {
		return m.writeResults(ctx, env.Conn, stage, w, env.RunID, results)
	})
	if err != nil {
		return models.Result{}, err
	}
	out.Rows["campaign_results"] = n
	n, err = q.Stage(ctx, "campaign_funnel", w.AsOf, func(stage string) error {
		return writeFunnel(ctx, env.Conn, stage, w, env.RunID, funnel)
	})
	if err != nil {
		return models.Result{}, err
	}
	out.Rows["campaign_funnel"] = n
	return out, nil
}

// layerCount is the number of value layers of the layers query.
const layerCount = 4

// match adds the matched comparison members of campaign c (no control)
// to the members scratch table: per value layer, about MatchedRatio
// times the layer's targeted members, drawn by a hash of member and
// campaign from the non-targeted members of the layer.
func (m *Campaigns) match(ctx context.Context, q *query.Q, t query.Tables, args []any, c campaignInfo) error {
	tiersAsOf := c.tiersAsOf
	if tiersAsOf == "" {
		tiersAsOf = "1970-01-01"
	}
	args = append(args, clickhouse.Named("campaign_id", c.id), clickhouse.Named("t0", models.FormatUTC(c.first)),
		clickhouse.Named("layer_from", models.FormatUTC(c.first.AddDate(0, 0, -m.p.LayerDays))),
		clickhouse.Named("tiers_as_of", tiersAsOf))
	thresholds := make([]uint64, layerCount)
	err := q.Each(ctx, "layers", t, args, func(r warehouse.Rows) error {
		var layer uint8
		var targeted, others uint64
		if err := r.Scan(&layer, &targeted, &others); err != nil {
			return err
		}
		if int(layer) < layerCount && others > 0 {
			thresholds[layer] = uint64(math.Round(1e6 * min(1, m.p.MatchedRatio*float64(targeted)/float64(others))))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.Exec(ctx, "matched_fill", t, append(args, clickhouse.Named("thresholds", thresholds))...)
}

// nullable returns the value or nil for a NULL column.
func nullable(x *float64) any {
	if x == nil {
		return (*float64)(nil)
	}
	return *x
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func (m *Campaigns) writeResults(ctx context.Context, conn warehouse.Conn, stage string, w models.Window, runID string, rows []Result) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+` (as_of, campaign_id, evidence, `+"`group`"+`, variant, first_assigned_at, last_assigned_at,
		window_days, window_complete, members, converters, conversion_rate, orders, revenue, revenue_per_member, aov, tier_upgrades, cost,
		conversion_uplift, conversion_ci_low, conversion_ci_high, conversion_p, conversion_boot_ci_low, conversion_boot_ci_high,
		rpm_uplift, rpm_ci_low, rpm_ci_high, rpm_p, rpm_boot_ci_low, rpm_boot_ci_high,
		incremental_conversions, incremental_revenue, roi, expected_treatment_share, srm_p, srm_mismatch, run_id)`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		g, u := r.Stats, r.Uplift
		var rate, rpm float64
		if g.Members > 0 {
			rate, rpm = float64(g.Converters)/float64(g.Members), g.Revenue/float64(g.Members)
		}
		var aov *float64
		if g.Orders > 0 {
			aov = ptr(g.Revenue / float64(g.Orders))
		}
		var upgrades *uint64
		if r.UpgradesKnown {
			upgrades = &g.Upgrades
		}
		if err := b.Append(w.AsOf, r.Campaign, r.Evidence, r.Group, r.Variant, g.FirstAssigned, g.LastAssigned,
			uint16(m.p.WindowDays), b2u(r.WindowComplete), g.Members, g.Converters, rate, g.Orders, g.Revenue, rpm, nullable(aov), upgrades, g.Cost,
			nullable(u.Conversion), nullable(u.ConversionLo), nullable(u.ConversionHi), nullable(u.ConversionP),
			nullable(u.ConversionBootLo), nullable(u.ConversionBootHi),
			nullable(u.RPM), nullable(u.RPMLo), nullable(u.RPMHi), nullable(u.RPMP), nullable(u.RPMBootLo), nullable(u.RPMBootHi),
			nullable(u.IncrementalConversions), nullable(u.IncrementalRevenue), nullable(u.ROI),
			nullable(r.Share), nullable(r.SRMP), b2u(r.SRMMismatch), runID); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}

func writeFunnel(ctx context.Context, conn warehouse.Conn, stage string, w models.Window, runID string, rows []FunnelRow) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+" (as_of, campaign_id, `group`, step_no, step, members, rate_of_flagged, rate_of_previous, uplift, uplift_p, run_id)")
	if err != nil {
		return err
	}
	for _, f := range rows {
		if err := b.Append(w.AsOf, f.Campaign, f.Group, f.StepNo, f.Step, f.Members, nullable(f.RateOfFlagged), nullable(f.RateOfPrevious),
			nullable(f.Uplift), nullable(f.UpliftP), runID); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}
