package profile

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
)

func TestMemberProfileIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Buyers, func(t *testing.T, conn warehouse.Conn) {
		reg := models.NewRegistry()
		for _, m := range []models.Model{New(), modeltest.Must(tiers.New(tiers.DefaultParams())), modeltest.Must(lifecycle.New(lifecycle.DefaultParams())),
			modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(rfm.New(rfm.DefaultParams()))} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		env := models.Env{Conn: conn, Location: time.UTC, RunID: "r1"}
		res, err := models.RunAll(context.Background(), reg, env, nil, modeltest.AsOf(t, "2024-03-31"))
		if err != nil {
			t.Fatal(err)
		}
		if last := res[len(res)-1].Model; last != "member_profile" {
			t.Fatalf("member_profile ran before its dependencies (last: %s)", last)
		}
		// f joined after as_of: 7 of 8 members. a: Champions (see
		// TestRFMIntegration), first order 2024-01-10; d lapsed (no order in
		// the window). Lifecycle gaps a 81, h 100, open b 30, c 30, d 441,
		// g 45, h 21: KM F = 1/3 at 81, 2/3 at 100 -> silent 100, sleeping
		// 101, churned 102; a is new (first order 81 days ago). e has only refunds: no rfm row, a prospect. Nobody reaches
		// Silver (500 or 4 orders). No clv/churn rows: NULL.
		q := `SELECT member_id, rfm_segment, value_layer, ifNull(toString(cohort_month), 'NULL'), lifecycle_stage, tier,
			toString(r_score), ifNull(toString(clv), 'NULL'), ifNull(churn_risk_band, 'NULL')
			FROM member_profile WHERE as_of = '2024-03-31' ORDER BY member_id`
		want := [][]string{
			{"a", "Champions", "mid-low", "2024-01-01", "new", "Bronze", "5", "NULL", "NULL"},
			{"b", "Hibernating", "mid-high", "2024-03-01", "new", "Bronze", "2", "NULL", "NULL"},
			{"c", "Hibernating", "mid-high", "2024-03-01", "new", "Bronze", "2", "NULL", "NULL"},
			{"d", "Lapsed", "low", "2023-01-01", "churned", "Bronze", "0", "NULL", "NULL"},
			{"e", "", "", "NULL", "prospect", "Bronze", "0", "NULL", "NULL"},
			{"g", "Lost", "low", "2024-02-01", "new", "Bronze", "1", "NULL", "NULL"},
			{"h", "Loyal", "mid-low", "2023-12-01", "active", "Bronze", "4", "NULL", "NULL"},
		}
		if got := chtest.Rows(t, conn, q); !reflect.DeepEqual(got, want) {
			t.Errorf("member_profile:\n got %v\nwant %v", got, want)
		}
		// 6 buyers x (rfm_segment, value_layer) + 7 x (lifecycle_stage, tier);
		// no events, so nobody is engaged_low_spend.
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM segment_members"); n != 26 {
			t.Errorf("segment_members has %d rows, want 26", n)
		}
		got := chtest.Rows(t, conn, `SELECT family, segment, toString(count()) FROM segment_members
			WHERE family IN ('rfm_segment', 'lifecycle_stage') GROUP BY family, segment ORDER BY family, segment`)
		want = [][]string{{"lifecycle_stage", "active", "1"}, {"lifecycle_stage", "churned", "1"}, {"lifecycle_stage", "new", "4"},
			{"lifecycle_stage", "prospect", "1"}, {"rfm_segment", "Champions", "1"}, {"rfm_segment", "Hibernating", "2"},
			{"rfm_segment", "Lapsed", "1"}, {"rfm_segment", "Lost", "1"}, {"rfm_segment", "Loyal", "1"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("segment counts:\n got %v\nwant %v", got, want)
		}
		if _, err := models.RunAll(context.Background(), reg, env, []string{"member_profile"}, modeltest.AsOf(t, "2024-03-31")); err != nil {
			t.Fatal(err)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM member_profile"); n != 7 {
			t.Errorf("after re-run member_profile has %d rows, want 7", n)
		}
	})
}
