package exporters

import (
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/sql"
)

// The allow-listed tables of the standard export.
const (
	// TableMemberProfile is member_profile: one wide row per member, read
	// from the member_profile table for the as_of, ordered by member_id;
	// every column but run_id (the model run, not data).
	TableMemberProfile = "member_profile"
	// TableSegmentMembers is segment_members: (as_of, family, segment,
	// member_id), ordered by member_id, family, segment; run_id left out.
	TableSegmentMembers = "segment_members"
	// TableSegmentChanges is segment_changes, computed from segment_members
	// of this as_of and of the previous exported one (see
	// sql/exports/segment_changes.sql), ordered by member_id, family.
	TableSegmentChanges = "segment_changes"
	// TableCategoryAffinity is category_affinity in long form: (as_of,
	// member_id, level, category, shares, recency, affinity index,
	// is_preferred, cross_sell_missing), ordered by member_id, level,
	// category; run_id left out. Read from category_affinity's run of the
	// snapshot.
	TableCategoryAffinity = "category_affinity"
)

// TableKPIBreakdown is kpi_breakdown: the headline KPIs per (dimension,
// value) of the kpi_breakdown model, ordered by dimension, value; run_id
// left out.
const TableKPIBreakdown = "kpi_breakdown"

// ProfileModel is the model that writes member_profile and
// segment_members: the default catalog reads its run of each snapshot.
const ProfileModel = "member_profile"

// DefaultCatalog is the standard export allow-list: member_profile,
// segment_members, segment_changes, campaign_results, kpi_breakdown and
// category_affinity, in that order, exported by default; then
// points_balance, points_programme and occasions, exported when named.
func DefaultCatalog() (*Catalog, error) {
	changes, err := sql.ExportQuery(TableSegmentChanges)
	if err != nil {
		return nil, fmt.Errorf("default catalog: %w", err)
	}
	return NewCatalog(
		Source{Name: TableMemberProfile, Table: "member_profile", Model: ProfileModel, OrderBy: []string{"member_id"}, Exclude: []string{"run_id"}},
		Source{Name: TableSegmentMembers, Table: "segment_members", Model: ProfileModel, OrderBy: []string{"member_id", "family", "segment"}, Exclude: []string{"run_id"}},
		SegmentChangesSource(changes),
		// campaign_results: the campaigns model's per campaign, group and variant outcomes and uplift.
		Source{Name: TableCampaignResults, Table: "campaign_results", Model: "campaigns", OrderBy: []string{"campaign_id", "group", "variant"}, Exclude: []string{"run_id"}},
		Source{Name: TableKPIBreakdown, Table: "kpi_breakdown", Model: "kpi_breakdown", OrderBy: []string{"dimension", "value"}, Exclude: []string{"run_id"}},
		Source{Name: TableCategoryAffinity, Table: "category_affinity", Model: "category_affinity", OrderBy: []string{"member_id", "level", "category"}, Exclude: []string{"run_id"}},
		// Points and occasions (models points, occasions), on request:
		// --tables points_balance,points_programme,occasions.
		Source{Name: TablePointsBalance, Table: "points_balance", Model: "points", OrderBy: []string{"member_id"}, Exclude: []string{"run_id"}, OnRequest: true},
		Source{Name: TablePointsProgramme, Table: "points_programme", Model: "points", OrderBy: []string{"tier"}, Exclude: []string{"run_id"}, OnRequest: true},
		Source{Name: TableOccasions, Table: "occasions", Model: "occasions", OrderBy: []string{"member_id", "occasion"}, Exclude: []string{"run_id"}, OnRequest: true},
	)
}

// The on-request tables of the points and occasions models: each
// member's points account, the programme per tier, and the birthday and
// anniversary lists with their dates (segment_members has the members
// only, as family occasion).
const (
	TablePointsBalance   = "points_balance"
	TablePointsProgramme = "points_programme"
	TableOccasions       = "occasions"
)

// TableCampaignResults is campaign_results: one row per campaign, group
// and variant (models/campaigns), ordered by campaign_id, group, variant;
// run_id left out.
const TableCampaignResults = "campaign_results"

// SegmentChangesSource is the segment_changes source over query (the text
// of sql/exports/segment_changes.sql, or a test's variant of it).
func SegmentChangesSource(query string) Source {
	return Source{
		Name:  TableSegmentChanges,
		Query: query,
		Model: ProfileModel,
		Reads: []string{"segment_members"},
		Args: func(p Params) []any {
			asOf := p.AsOf.Format(time.DateOnly)
			prev := "1970-01-01"
			if !p.Previous.IsZero() {
				prev = p.Previous.Format(time.DateOnly)
			}
			return []any{asOf, prev, prev, p.PreviousRunID, asOf, p.RunID}
		},
		OrderBy: []string{"member_id", "family"},
	}
}
