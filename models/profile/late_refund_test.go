package profile

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/cohorts"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
)

// TestLateRefundIntegration loads orders, runs every segmentation model for
// 2024-03-31, then loads a refund of one of those orders recorded on
// 2024-04-05 (the same order_id re-sent with status refunded and a later
// updated_at). Re-running 2024-03-31 and running 2024-04-04 must still see
// the order as paid, every output of 2024-03-31 identical but for run_id;
// a run for 2024-04-05 sees the refund.
func TestLateRefundIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Buyers, func(t *testing.T, conn warehouse.Conn) {
		ctx := context.Background()
		reg := models.NewRegistry()
		for _, m := range []models.Model{New(), modeltest.Must(tiers.New(tiers.DefaultParams())), modeltest.Must(lifecycle.New(lifecycle.DefaultParams())),
			modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(rfm.New(rfm.DefaultParams())), modeltest.Must(cohorts.New(cohorts.DefaultParams()))} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		run := func(asOf, runID string) {
			t.Helper()
			env := models.Env{Conn: conn, Location: time.UTC, RunID: runID}
			if _, err := models.RunAll(ctx, reg, env, nil, modeltest.AsOf(t, asOf)); err != nil {
				t.Fatal(err)
			}
		}
		run("2024-03-31", "before")
		before := snapshotOutputs(t, conn, "2024-03-31")
		if len(before["rfm"]) == 0 || len(before["member_profile"]) == 0 {
			t.Fatalf("nothing to compare: %v", before)
		}

		// o2 is b's only order: 200 paid on 2024-03-01.
		b, err := conn.PrepareBatch(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at)")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append("o2", "b", modeltest.TS(t, "2024-03-01 09:00:00"), decimal.NewFromInt(200), decimal.Zero, uint32(1), "", "", "refunded",
			modeltest.TS(t, "2024-04-05 10:00:00"), "fx-refund", time.Now().UTC().Truncate(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders_current WHERE order_id = 'o2' AND status = 'refunded'"); n != 1 {
			t.Fatalf("the refund did not replace o2 (%d refunded rows)", n)
		}

		run("2024-03-31", "after")
		after := snapshotOutputs(t, conn, "2024-03-31")
		if !reflect.DeepEqual(before, after) {
			for table := range before {
				if !reflect.DeepEqual(before[table], after[table]) {
					t.Errorf("%s for 2024-03-31 changed after a later refund:\n before %v\n  after %v", table, before[table], after[table])
				}
			}
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE as_of = '2024-03-31' AND run_id = 'after'"); n == 0 {
			t.Error("the re-run wrote no rfm rows of its own")
		}

		// The day before the refund was recorded it is still paid; from
		// the refund's day on, b has no paid order: no rfm row, a prospect.
		run("2024-04-04", "d4")
		run("2024-04-05", "d5")
		q := `SELECT toString(as_of), toString(frequency), toString(toFloat64(monetary)) FROM rfm WHERE member_id = 'b' AND as_of >= '2024-04-04' ORDER BY as_of`
		if got, want := chtest.Rows(t, conn, q), [][]string{{"2024-04-04", "1", "200"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("rfm of b: got %v, want %v", got, want)
		}
		q = `SELECT toString(as_of), lifecycle_stage FROM member_profile WHERE member_id = 'b' AND as_of >= '2024-04-04' ORDER BY as_of`
		if got, want := chtest.Rows(t, conn, q), [][]string{{"2024-04-04", "new"}, {"2024-04-05", "prospect"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("member_profile of b: got %v, want %v", got, want)
		}
	})
}

// snapshotOutputs returns, per table with as_of and run_id columns, the
// rows of asOf as sorted strings of every column but run_id (and without
// the run_seconds metric, which is a wall time).
func snapshotOutputs(t *testing.T, conn warehouse.Conn, asOf string) map[string][]string {
	t.Helper()
	tables := chtest.Rows(t, conn, `SELECT table, arrayStringConcat(groupArray(name), ',') FROM
		(SELECT table, name FROM system.columns WHERE database = ? AND name != 'run_id'
		   AND table IN (SELECT table FROM system.columns WHERE database = ? AND name = 'run_id')
		   AND table IN (SELECT table FROM system.columns WHERE database = ? AND name = 'as_of')
		   AND table IN (SELECT name FROM system.tables WHERE database = ? AND engine LIKE '%MergeTree')
		 ORDER BY table, name)
		GROUP BY table ORDER BY table`, conn.Database(), conn.Database(), conn.Database(), conn.Database())
	out := map[string][]string{}
	for _, tc := range tables {
		var exprs []string
		for _, c := range strings.Split(tc[1], ",") {
			exprs = append(exprs, "ifNull(toString("+warehouse.QuoteIdent(c)+"), 'NULL')")
		}
		q := "SELECT arrayStringConcat([" + strings.Join(exprs, ", ") + "], '|') AS r FROM " + warehouse.QuoteIdent(tc[0]) +
			" WHERE as_of = ?"
		if tc[0] == "model_metrics" {
			q += " AND metric != 'run_seconds'"
		}
		if tc[0] == "model_runs" || tc[0] == "snapshots" {
			continue // run ids and times of each run
		}
		for _, r := range chtest.Rows(t, conn, q+" ORDER BY r", asOf) {
			out[tc[0]] = append(out[tc[0]], r[0])
		}
	}
	return out
}
