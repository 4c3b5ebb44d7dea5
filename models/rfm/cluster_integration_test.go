package rfm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
)

// TestClusterReplacePartitionIntegration: in cluster mode a sharded
// output is staged per shard and each shard's partition replaced; a
// re-run replaces (never appends) on every shard, a shard that gets no
// rows has its partition emptied, other as_of partitions are untouched,
// and a home table (cohorts) keeps the single-server path.
func TestClusterReplacePartitionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cc := chtest.MigratedCluster(t)
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	other := day.AddDate(0, 0, -1)
	fillN := func(asOf time.Time, n int) func(stage string) error {
		return func(stage string) error {
			return cc.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (as_of, member_id, run_id)
				SELECT toDate('%s'), concat('M', toString(number)), 'r' FROM system.numbers LIMIT %d`, stage, asOf.Format(asof.Layout), n))
		}
	}
	perShard := func(asOf time.Time) []uint64 {
		var out []uint64
		for _, sh := range db.Shards {
			out = append(out, chtest.QueryUint(t, sh, "SELECT count() FROM rfm_local WHERE as_of = ?", asOf.Format(asof.Layout)))
		}
		return out
	}
	if _, err := query.ReplacePartition(ctx, cc, "rfm", other, fillN(other, 10)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		n    int
	}{{"first run", 200}, {"re-run replaces", 150}, {"one member: the other shard empties", 1}, {"no rows", 0}}
	for _, tt := range tests {
		n, err := query.ReplacePartition(ctx, cc, "rfm", day, fillN(day, tt.n))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := perShard(day)
		if n != uint64(tt.n) || got[0]+got[1] != uint64(tt.n) {
			t.Errorf("%s: published %d, shards hold %v; want %d in all", tt.name, n, got, tt.n)
		}
		if tt.n >= 100 && (got[0] == 0 || got[1] == 0) {
			t.Errorf("%s: shards hold %v, want rows on both", tt.name, got)
		}
		if total := chtest.QueryUint(t, cc, "SELECT count() FROM rfm WHERE as_of = ?", day.Format(asof.Layout)); total != uint64(tt.n) {
			t.Errorf("%s: %d rows through the Distributed table, want %d", tt.name, total, tt.n)
		}
	}
	if got := perShard(other); got[0]+got[1] != 10 {
		t.Errorf("the other as_of holds %v, want 10 rows untouched", got)
	}
	// A home table: the rows stay on the initiator.
	if _, err := query.ReplacePartition(ctx, cc, "cohorts", day, func(stage string) error {
		return cc.Exec(ctx, "INSERT INTO "+stage+" (as_of, cohort_by, run_id) SELECT toDate('2025-03-01'), 'join', 'r'")
	}); err != nil {
		t.Fatal(err)
	}
	if n := chtest.QueryUint(t, db.Shards[0], "SELECT count() FROM cohorts"); n != 1 {
		t.Errorf("cohorts on the initiator: %d rows, want 1", n)
	}
	for i, sh := range db.Shards {
		if n := chtest.QueryUint(t, sh, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_stage\\_%'"); n != 0 {
			t.Errorf("shard %d: %d stage tables left", i+1, n)
		}
	}
}

// TestClusterShardLocalAggregationIntegration: rfm's per-member base query
// runs on the shards in cluster mode. Shard 2's query log shows the query
// it received from the initiator reading its own orders_local and
// members_local and grouping by member_id (distributed_product_mode =
// 'local', distributed_group_by_no_merge = 1); every member got one row.
func TestClusterShardLocalAggregationIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cc := chtest.MigratedCluster(t)
	logged := db.ConnWith(t, map[string]int{"insert_distributed_sync": 1, "log_queries": 1})
	if err := cc.Exec(ctx, `INSERT INTO members (member_id, joined_at, updated_at)
		SELECT concat('M', toString(number)), toDateTime('2024-01-01 00:00:00', 'UTC'), toDateTime('2024-01-01 00:00:00', 'UTC')
		FROM system.numbers LIMIT 200`); err != nil {
		t.Fatal(err)
	}
	if err := cc.Exec(ctx, `INSERT INTO orders (order_id, member_id, ordered_at, amount, status, updated_at)
		SELECT concat('O', toString(number)), concat('M', toString(number % 200)),
			toDateTime('2024-06-01 00:00:00', 'UTC') + number * 3600, toDecimal64(10 + number % 7, 2), 'paid', toDateTime('2024-06-01 00:00:00', 'UTC')
		FROM system.numbers LIMIT 1000`); err != nil {
		t.Fatal(err)
	}
	rfm := mustNew(t, DefaultParams())
	res, err := rfm.Run(ctx, models.Env{Conn: logged, RunID: "shard-local"}, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows["rfm"] != 200 {
		t.Errorf("rfm wrote %d rows, want one per member (200)", res.Rows["rfm"])
	}
	shard2 := db.Shards[1]
	if err := shard2.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		t.Fatal(err)
	}
	n := chtest.QueryUint(t, shard2, `SELECT count() FROM system.query_log
		WHERE type = 2 AND is_initial_query = 0 AND position(query, 'orders_local') > 0
		  AND position(query, 'members_local') > 0 AND position(query, 'GROUP BY member_id') > 0`)
	if n == 0 {
		t.Error("shard 2 ran no per-member GROUP BY over its local orders and Members: rfm's base query is not shard-local")
	}
}
