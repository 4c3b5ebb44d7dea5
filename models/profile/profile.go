package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// profileReads are the model outputs member_profile's SQL reads.
var profileReads = []string{"rfm", "engagement", "lifecycle", "tiers", "clv", "churn", "potential"}

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

// NewMemberProfile returns the member_profile model. It depends on rfm,
// engagement, lifecycle and tiers, and on extraDeps (e.g. "clv", "churn"
// when those models are registered, so they run first).
func NewMemberProfile(extraDeps ...string) *MemberProfile {
	return &MemberProfile{deps: append([]string{"rfm", "engagement", "lifecycle", "tiers"}, extraDeps...)}
}

// Name implements Model.
func (*MemberProfile) Name() string { return "member_profile" }

// Deps implements Model.
func (m *MemberProfile) Deps() []string { return m.deps }

// Run implements Model.
func (m *MemberProfile) Run(ctx context.Context, env Env, asOf time.Time) (Result, error) {
	w := NewWindow(asOf, env.location())
	deps, err := depArgs(env, m.deps...)
	if err != nil {
		return Result{}, fmt.Errorf("member_profile: %w", err)
	}
	for _, n := range profileReads {
		if !slices.Contains(m.deps, n) {
			deps = append(deps, clickhouse.Named("dep_"+n, ""))
		}
	}
	args := w.Args(env.RunID, deps...)
	res := Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}}
	for _, step := range []struct{ table, query string }{{"member_profile", "fill"}, {"segment_members", "segments"}} {
		n, err := query.ReplacePartition(ctx, env.Conn, step.table, w.AsOf, func(stage string) error {
			return query.For(env.Conn, "member_profile").Exec(ctx, step.query, map[string]string{"stage": stage}, args...)
		})
		if err != nil {
			return Result{}, fmt.Errorf("member_profile: %w", err)
		}
		res.Rows[step.table] = n
	}
	err = query.For(env.Conn, "member_profile").Each(ctx, "summary", nil, args, func(r warehouse.Rows) error {
		var fam, seg string
		var n float64
		if err := r.Scan(&fam, &seg, &n); err != nil {
			return err
		}
		res.Metrics["members_"+fam+"_"+metricName(seg)] = n
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// Tables implements Declarer.
func (*MemberProfile) Tables() []Table {
	return []Table{
		{Name: "member_profile", Sharded: true, Migration: "027_member_profile.sql",
			Comment: "One wide row per member and as_of with every model's outputs (RFM, engagement, lifecycle, tier, CLV, churn); the table BI and exports use."},
		{Name: "segment_members", Sharded: true, Migration: "028_segment_members.sql",
			Comment: "Membership of every named segment: one row per as_of, family (rfm_segment, value_layer, lifecycle_stage, tier, engagement, churn_risk_band, potential), segment and member."},
	}
}
