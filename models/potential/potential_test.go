package potential

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/engagement"
)

// clvRow stands in for the clv model (whose fit needs far more buyers
// than a hand-worked modeltest.Fixture has): one clv row for member, both deciles
// 1, so potential finds its dependency's rows and no clv_above_spend.
type clvRow struct{ member string }

func (c clvRow) Name() string   { return "clv" }
func (c clvRow) Deps() []string { return nil }
func (c clvRow) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	err := env.Conn.Exec(ctx, `INSERT INTO clv (as_of, member_id, clv_decile, spend_decile, run_id)
		SELECT toDate(@as_of), @member, 1, 1, @run_id`,
		clickhouse.Named("as_of", asOf.Format(asof.Layout)), clickhouse.Named("member", c.member), clickhouse.Named("run_id", env.RunID))
	return models.Result{Rows: map[string]uint64{"clv": 1}}, err
}

// TestPotentialEngagedLowSpendIntegration: potential's engaged_low_spend
// rows are exactly engagement's engaged_low_spend members, scored with
// engagement's score. By hand, eight members, no orders (so everyone is in
// the bottom spend half), default weights (login 1, review 4, session 1):
// a and c: one review each, weighted 4 + 1 session = 5, 6 of 8 strictly
// lower -> percentile 75, flagged, score 100 (8 of 8 at or below);
// b: three logins on one day, weighted 3 + 1 = 4, 5 of 8 lower -> 62.5,
// not flagged. (Counting raw events instead, b's 3 is the only count above
// the top-quartile cut of 1: that rule flagged b alone.)
func TestPotentialEngagedLowSpendIntegration(t *testing.T) {
	t.Parallel()
	var members []modeltest.Member
	for _, m := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		members = append(members, modeltest.Member{ID: m, Joined: "2023-01-01 00:00:00"})
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: members,
		Events: []modeltest.Event{
			{Member: "a", At: "2024-03-10 10:00:00", Typ: "review", Value: 0}, {Member: "c", At: "2024-03-11 10:00:00", Typ: "review", Value: 0},
			{Member: "b", At: "2024-03-12 10:00:00", Typ: "login", Value: 0}, {Member: "b", At: "2024-03-12 11:00:00", Typ: "login", Value: 0}, {Member: "b", At: "2024-03-12 12:00:00", Typ: "login", Value: 0},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.Run(t, conn, clvRow{"a"}, "2024-03-31", time.UTC)
		modeltest.Run(t, conn, modeltest.Must(engagement.New(engagement.DefaultParams())), "2024-03-31", time.UTC)
		modeltest.Run(t, conn, modeltest.Must(New(DefaultParams())), "2024-03-31", time.UTC)
		want := [][]string{{"a", "engaged_low_spend", "100"}, {"c", "engaged_low_spend", "100"}}
		if got := chtest.Rows(t, conn, "SELECT member_id, reason, toString(score) FROM potential ORDER BY reason, member_id"); !reflect.DeepEqual(got, want) {
			t.Errorf("potential:\n got %v\nwant %v", got, want)
		}
		if got := chtest.Rows(t, conn, "SELECT member_id, toString(score) FROM engagement WHERE engaged_low_spend = 1 ORDER BY member_id"); !reflect.DeepEqual(got, [][]string{{"a", "100"}, {"c", "100"}}) {
			t.Errorf("engagement flags %v, want a and c with score 100", got)
		}
	})
}
