// Package profile is the member_profile model: one row per member joining
// every model's output of the as_of, and the segment lists (tables
// member_profile, segment_members); queries: member_profile.sql.
package profile

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/internal/figures"
)

// profileReads are the model outputs member_profile's SQL reads.
var profileReads = []string{"rfm", "engagement", "lifecycle", "tiers", "clv", "churn", "potential",
	"occasions",
	"category_affinity", // segments: family preferred_category
}

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed member_profile.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("member_profile", sqlSrc)

// MemberProfile is the member_profile model: one wide row per member and
// as_of joining every model's output of that as_of (rfm, engagement,
// lifecycle, tiers, and the predictive clv and churn tables), and
// segment_members, the named segments of those rows. It reads each
// dependency's rows of the run RunOne checked (Env.Inputs); RunOne refuses
// to run it while a dependency has no finished run for the as_of. A
// dependency that was skipped, or a model that is not a dependency, has no
// rows: its columns are NULL (clv, churn_probability, churn_risk_band) and
// it gives no segments. Outputs: member_profile, segment_members.
type MemberProfile struct {
	deps []string
}

// New returns the member_profile model. It depends on rfm,
// engagement, lifecycle and tiers, and on extraDeps (e.g. "clv", "churn"
// when those models are registered, so they run first).
func New(extraDeps ...string) *MemberProfile {
	return &MemberProfile{deps: append([]string{"rfm", "engagement", "lifecycle", "tiers"}, extraDeps...)}
}

// Name implements models.Model.
func (*MemberProfile) Name() string { return "member_profile" }

// Deps implements models.Model.
func (m *MemberProfile) Deps() []string { return m.deps }

// Run implements models.Model.
func (m *MemberProfile) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	deps, err := models.DepArgs(env, m.deps...)
	if err != nil {
		return models.Result{}, fmt.Errorf("member_profile: %w", err)
	}
	for _, n := range profileReads {
		if !slices.Contains(m.deps, n) {
			deps = append(deps, clickhouse.Named("dep_"+n, ""))
		}
	}
	args := w.Args(env.RunID, deps...)
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	for _, step := range []struct{ table, query string }{{"member_profile", "fill"}, {"segment_members", "segments"}} {
		n, err := query.ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return queries.On(env.Conn).Exec(ctx, step.query, map[string]string{"stage": stage}, args...)
		})
		if err != nil {
			return models.Result{}, fmt.Errorf("member_profile: %w", err)
		}
		res.Rows[step.table] = n
	}
	err = queries.On(env.Conn).Each(ctx, "summary", nil, args, func(r warehouse.Rows) error {
		var fam, seg string
		var n float64
		if err := r.Scan(&fam, &seg, &n); err != nil {
			return err
		}
		res.Metrics["members_"+fam+"_"+figures.MetricName(seg)] = n
		return nil
	})
	if err != nil {
		return models.Result{}, err
	}
	return res, nil
}

// Tables implements models.Declarer.
func (*MemberProfile) Tables() []models.Table {
	return []models.Table{
		{Name: "member_profile", Sharded: true, Migration: "027_member_profile.sql",
			Comment: "One wide row per member and as_of with every model's outputs (RFM, engagement, lifecycle, tier, CLV, churn); the table BI and exports use."},
		{Name: "segment_members", Sharded: true, Migration: "028_segment_members.sql",
			Comment: "Membership of every named segment: one row per as_of, family (rfm_segment, value_layer, lifecycle_stage, tier, engagement, churn_risk_band, potential, occasion, preferred_category), segment and member."},
	}
}
