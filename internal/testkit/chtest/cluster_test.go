package chtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// syncInsert asks a Distributed table to write to every shard before the
// INSERT returns. ClickHouse 18.16 has no INSERT ... SETTINGS clause (a
// syntax error, tried), so the setting travels with the query over the
// native protocol. Production code would get this through a warehouse
// helper (see docs/cluster.md); the test uses the driver's context directly.
func syncInsert(ctx context.Context) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
}

// withSettings runs a query with extra settings (for the read side).
func withSettings(ctx context.Context, s clickhouse.Settings) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(s))
}

// strings1 runs q, whose columns are all String, and returns each row's
// columns joined with "|", in the query's order.
func strings1(t *testing.T, ctx context.Context, conn warehouse.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	n := len(rows.Columns())
	for rows.Next() {
		vals := make([]string, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, strings.Join(vals, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func one(t *testing.T, ctx context.Context, conn warehouse.Conn, q string) string {
	t.Helper()
	r := strings1(t, ctx, conn, q)
	if len(r) != 1 {
		t.Fatalf("%s: %d rows, want 1", q, len(r))
	}
	return r[0]
}

// clusterTestSchema is the raw tables' shape in miniature: ReplacingMergeTree
// keyed on the business key, as migration 001 creates them.
var clusterTestSchema = []string{
	`CREATE TABLE IF NOT EXISTS members%s (member_id String, tier String, updated_at DateTime)
	 ENGINE = ReplacingMergeTree(updated_at) ORDER BY member_id`,
	`CREATE TABLE IF NOT EXISTS orders%s (order_id String, member_id String, amount_cents UInt64, updated_at DateTime)
	 ENGINE = ReplacingMergeTree(updated_at) ORDER BY order_id`,
}

// memberRows and orderRows are deterministic test data: nMembers members in
// three tiers, each with 1 to 7 orders.
func memberRows(n int) [][]any {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([][]any, n)
	for i := range out {
		out[i] = []any{fmt.Sprintf("m%05d", i), []string{"gold", "silver", "bronze"}[i%3], at}
	}
	return out
}

func orderRows(nMembers int) [][]any {
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var out [][]any
	for m := range nMembers {
		for k := range 1 + m%7 {
			out = append(out, []any{fmt.Sprintf("o%05d_%d", m, k), fmt.Sprintf("m%05d", m), uint64(100 + (m*37+k*11)%5000), at})
		}
	}
	return out
}

func insertRows(t *testing.T, ctx context.Context, conn warehouse.Conn, q string, rows [][]any) {
	t.Helper()
	b, err := conn.PrepareBatch(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatalf("%s: append: %v", q, err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatalf("%s: send: %v", q, err)
	}
}

// TestClusterDistributedIntegration shows, on two local 18.16 shards, the
// building blocks of cluster mode (docs/cluster.md): local
// ReplacingMergeTree tables on each shard with a Distributed table in front
// sharded by cityHash64(member_id), synchronous inserts, FINAL and views
// through the Distributed table, per-member aggregation kept shard-local,
// joins of co-sharded tables, and the loaders' staging-table publish done
// shard by shard. Every result is compared with a single server holding the
// same rows.
func TestClusterDistributedIntegration(t *testing.T) {
	ctx := context.Background()
	cl := NewClusterDB(t)
	single := NewDB(t)
	head := cl.Shards[0]

	if got := one(t, ctx, head, "SELECT toString(count()) FROM system.clusters WHERE cluster = '"+ClusterName+"'"); got != fmt.Sprint(ClusterShards) {
		t.Fatalf("system.clusters has %s shards of %s, want %d", got, ClusterName, ClusterShards)
	}
	if got := one(t, ctx, head, "SELECT toString(count()) FROM system.settings WHERE name = 'insert_distributed_sync'"); got != "1" {
		t.Fatal("the server has no insert_distributed_sync setting")
	}

	// Schema: local tables on every shard (DDL sent to each, no ON CLUSTER),
	// Distributed tables and FINAL views in front; the same tables, plain,
	// on the single server.
	dist := func(name string) string {
		return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s_local ENGINE = Distributed(%s, %s, %s_local, cityHash64(member_id))",
			name, name, ClusterName, warehouse.QuoteIdent(cl.Name), name)
	}
	for _, ddl := range clusterTestSchema {
		if err := cl.ExecEach(ctx, fmt.Sprintf(ddl, "_local")); err != nil {
			t.Fatal(err)
		}
		if err := single.Exec(ctx, fmt.Sprintf(ddl, "")); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		dist("members"), dist("orders"),
		"CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL",
		"CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL",
	} {
		if err := cl.ExecEach(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL",
		"CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL",
	} {
		if err := single.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	// Load the same rows into both, the cluster through its Distributed
	// tables with synchronous inserts. Orders are loaded twice (a re-sent
	// file): ReplacingMergeTree + FINAL must count each order once.
	const nMembers = 400
	members, orders := memberRows(nMembers), orderRows(nMembers)
	insM := "INSERT INTO members (member_id, tier, updated_at)"
	insO := "INSERT INTO orders (order_id, member_id, amount_cents, updated_at)"
	start := time.Now()
	insertRows(t, syncInsert(ctx), head, insM, members)
	insertRows(t, syncInsert(ctx), head, insO, orders)
	insertRows(t, syncInsert(ctx), head, insO, orders)
	clusterLoad := time.Since(start)
	start = time.Now()
	insertRows(t, ctx, single, insM, members)
	insertRows(t, ctx, single, insO, orders)
	insertRows(t, ctx, single, insO, orders)
	singleLoad := time.Since(start)

	// Synchronous: every shard already holds its rows, so a read right after
	// the insert sees all of them. (An asynchronous insert usually passes
	// this too, the queue drains within ~100 ms; the unreachable-shard check
	// below is what tells the two apart.)
	if got, want := one(t, ctx, head, "SELECT toString(count()) FROM orders"), fmt.Sprint(2*len(orders)); got != want {
		t.Errorf("orders through Distributed right after the insert: %s rows, want %s", got, want)
	}

	// Sharding: every shard holds some members, no member is on two shards,
	// and each row sits on the shard cityHash64(member_id) % 2 picks (shard
	// weights 1, in remote_servers order), for members and orders alike.
	owner := map[string]int{}
	for i, s := range cl.Shards {
		ms := strings1(t, ctx, s, "SELECT DISTINCT member_id FROM members_local UNION ALL SELECT DISTINCT member_id FROM orders_local")
		if len(ms) == 0 {
			t.Errorf("shard %d holds no rows", i+1)
		}
		for _, m := range ms {
			if o, ok := owner[m]; ok && o != i {
				t.Errorf("member %s on shards %d and %d", m, o+1, i+1)
			}
			owner[m] = i
		}
		q := fmt.Sprintf("SELECT toString(count()) FROM (SELECT member_id FROM members_local UNION ALL SELECT member_id FROM orders_local) WHERE cityHash64(member_id) %% %d != %d", ClusterShards, i)
		if got := one(t, ctx, s, q); got != "0" {
			t.Errorf("shard %d holds %s rows that cityHash64(member_id) places elsewhere", i+1, got)
		}
	}
	if len(owner) != nMembers {
		t.Errorf("%d members across shards, want %d", len(owner), nMembers)
	}

	// Reads: the cluster answers like the single server.
	perMember := "SELECT member_id, toString(count()), toString(sum(amount_cents)) FROM orders_current GROUP BY member_id ORDER BY member_id"
	// unordered: shard-local results arrive shard by shard (ORDER BY then
	// holds within each shard only); compare them as sets.
	queries := []struct {
		name      string
		q         string
		settings  clickhouse.Settings
		unordered bool
	}{
		{"final count", "SELECT toString(count()), toString(sum(amount_cents)) FROM orders FINAL", nil, false},
		{"view count", "SELECT toString(count()), toString(uniqExact(member_id)) FROM orders_current", nil, false},
		{"per member", perMember, nil, false},
		// Each member lives on one shard, so grouping by member_id can stay
		// on the shards: the initiator only concatenates.
		{"per member, shard-local", perMember, clickhouse.Settings{"distributed_group_by_no_merge": 1}, true},
		{"tier join", `SELECT tier, toString(count()), toString(sum(amount_cents)) FROM
			(SELECT member_id, amount_cents FROM orders_current)
			ANY LEFT JOIN (SELECT member_id, tier FROM members_current) USING (member_id)
			GROUP BY tier ORDER BY tier`, nil, false},
		// A per-member join through the initiator: the outer query reads two
		// subqueries, each a distributed read; the join runs on the initiator.
		{"per member join", `SELECT member_id, tier, toString(n), toString(total) FROM
			(SELECT member_id, count() AS n, sum(amount_cents) AS total FROM orders FINAL GROUP BY member_id)
			ANY LEFT JOIN (SELECT member_id, tier FROM members FINAL) USING (member_id)
			ORDER BY member_id`, nil, false},
		// The same join kept on the shards: the outermost FROM is the
		// Distributed table, so the whole query goes to every shard, and
		// distributed_product_mode = 'local' rewrites the joined Distributed
		// table to its local table. Correct because members and orders are
		// co-sharded by member_id. String settings cannot travel with the
		// query to 18.16 (clickhouse-go encodes only integer settings for
		// its old protocol revision), so they go in a SETTINGS clause.
		{"per member join, shard-local", `SELECT member_id, any(tier), toString(count()), toString(sum(amount_cents)) FROM orders FINAL
			ANY LEFT JOIN (SELECT member_id, tier FROM members FINAL) USING (member_id)
			GROUP BY member_id ORDER BY member_id
			SETTINGS distributed_product_mode = 'local', distributed_group_by_no_merge = 1`, nil, true},
	}
	start = time.Now()
	for _, tt := range queries {
		cctx := ctx
		if tt.settings != nil {
			cctx = withSettings(ctx, tt.settings)
		}
		got := strings1(t, cctx, head, tt.q)
		want := strings1(t, ctx, single, tt.q)
		if tt.unordered {
			slices.Sort(got)
			slices.Sort(want)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: cluster and single server differ (%d vs %d rows)%s", tt.name, len(got), len(want), firstDiff(got, want))
		}
	}
	clusterRead := time.Since(start)

	// Without distributed_product_mode the shard-local join form is refused
	// (the default, deny): a model must opt in, knowing its tables are
	// co-sharded.
	_, err := head.Query(ctx, `SELECT count() FROM orders ANY LEFT JOIN (SELECT member_id, tier FROM members) USING (member_id)`)
	var exc *clickhouse.Exception
	if !errors.As(err, &exc) || exc.Code != 288 {
		t.Errorf("double-distributed join without distributed_product_mode: err %v, want ClickHouse exception 288 (DISTRIBUTED_IN_JOIN_SUBQUERY_DENIED)", err)
	}

	// A shard that is down: a synchronous insert fails, so the loader knows
	// the file is not loaded; an asynchronous one succeeds and leaves the
	// rows queued on the initiator, where a load ledger would call the file
	// done. This is why loaders must insert synchronously.
	broken := fmt.Sprintf("CREATE TABLE IF NOT EXISTS orders_broken AS orders_local ENGINE = Distributed(%s, %s, orders_local, cityHash64(member_id))", UnreachableClusterName, warehouse.QuoteIdent(cl.Name))
	if err := head.Exec(ctx, broken); err != nil {
		t.Fatal(err)
	}
	few := orders[:20]
	b, err := head.PrepareBatch(syncInsert(ctx), "INSERT INTO orders_broken (order_id, member_id, amount_cents, updated_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range few {
		if err := b.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err == nil {
		t.Error("synchronous insert with a shard down succeeded; want an error")
	}
	insertRows(t, ctx, head, "INSERT INTO orders_broken (order_id, member_id, amount_cents, updated_at)", few)
	if err := head.Exec(ctx, "DROP TABLE orders_broken"); err != nil {
		t.Fatal(err)
	}

	// The loaders' publish, shard by shard: load a file into a staging table
	// (local on each shard, Distributed in front), then on every shard
	// ATTACH its partition into the live local table. Attaching twice (a
	// retry after a failure between shards) leaves FINAL results unchanged.
	stage := []string{
		"CREATE TABLE IF NOT EXISTS orders_stage_local AS orders_local",
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS orders_stage AS orders_stage_local ENGINE = Distributed(%s, %s, orders_stage_local, cityHash64(member_id))", ClusterName, warehouse.QuoteIdent(cl.Name)),
	}
	for _, q := range stage {
		if err := cl.ExecEach(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	more := orderRows(nMembers + 50)[len(orders):] // the 50 new members' orders
	insertRows(t, syncInsert(ctx), head, "INSERT INTO orders_stage (order_id, member_id, amount_cents, updated_at)", more)
	want := fmt.Sprint(len(orders) + len(more))
	for attempt := 1; attempt <= 2; attempt++ {
		if err := cl.ExecEach(ctx, "ALTER TABLE orders_local ATTACH PARTITION tuple() FROM orders_stage_local"); err != nil {
			t.Fatalf("attach, attempt %d: %v", attempt, err)
		}
		if got := one(t, ctx, head, "SELECT toString(count()) FROM orders_current"); got != want {
			t.Errorf("after attach attempt %d: %s orders, want %s", attempt, got, want)
		}
	}
	if err := cl.ExecEach(ctx, "DROP TABLE IF EXISTS orders_stage"); err != nil {
		t.Fatal(err)
	}
	if err := cl.ExecEach(ctx, "DROP TABLE IF EXISTS orders_stage_local"); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d members, %d orders x2: load %v on 2 shards vs %v on one server; %d read queries %v on 2 shards",
		nMembers, len(orders), clusterLoad.Round(time.Millisecond), singleLoad.Round(time.Millisecond), len(queries), clusterRead.Round(time.Millisecond))
}

// firstDiff describes the first row where got and want differ.
func firstDiff(got, want []string) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("; row %d: cluster %q, single %q", i+1, g, w)
		}
	}
	return ""
}

// TestClusterModelPublishIntegration shows the other two DDL and publish
// steps cluster mode needs on 18.16: a model's output partition published
// shard by shard (INSERT ... SELECT into a Distributed staging table, then
// REPLACE PARTITION on every shard, where an empty stage empties the
// partition), and a migration's ADD COLUMN applied to the local tables and
// the Distributed table. It also records that ON CLUSTER needs ZooKeeper
// (Keeper), which this harness does not run.
func TestClusterModelPublishIntegration(t *testing.T) {
	ctx := context.Background()
	cl := NewClusterDB(t)
	head := cl.Shards[0]
	db := warehouse.QuoteIdent(cl.Name)
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS scores_local (as_of Date, member_id String, score UInt64) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id",
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS scores AS scores_local ENGINE = Distributed(%s, %s, scores_local, cityHash64(member_id))", ClusterName, db),
		"CREATE TABLE IF NOT EXISTS scores_stage_local AS scores_local",
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS scores_stage AS scores_stage_local ENGINE = Distributed(%s, %s, scores_stage_local, cityHash64(member_id))", ClusterName, db),
	} {
		if err := cl.ExecEach(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fill := "INSERT INTO scores_stage (as_of, member_id, score) SELECT toDate('2026-03-01'), concat('m', toString(number)), number FROM system.numbers LIMIT 100"
	if err := head.Exec(syncInsert(ctx), fill); err != nil {
		t.Fatal(err)
	}
	for i, s := range cl.Shards {
		if n := one(t, ctx, s, "SELECT toString(count()) FROM scores_stage_local"); n == "0" || n == "100" {
			t.Errorf("shard %d staged %s of 100 rows; want a share", i+1, n)
		}
	}
	publish := "ALTER TABLE scores_local REPLACE PARTITION '2026-03-01' FROM scores_stage_local"
	for _, tt := range []struct {
		name, before, want string
	}{
		{"first publish", "", "100|4950"},
		{"re-run", "", "100|4950"},
		{"empty stage", "TRUNCATE TABLE scores_stage_local", "0|0"},
	} {
		if tt.before != "" {
			if err := cl.ExecEach(ctx, tt.before); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.ExecEach(ctx, publish); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := one(t, ctx, head, "SELECT toString(count()), toString(sum(score)) FROM scores WHERE as_of = '2026-03-01'"); got != tt.want {
			t.Errorf("%s: scores count|sum %s, want %s", tt.name, got, tt.want)
		}
	}

	// A migration's ADD COLUMN: local tables first, then the Distributed
	// table, on every shard. 18.16 has no ADD COLUMN IF NOT EXISTS, so a
	// per-host retry must check system.columns first.
	for _, q := range []string{
		"ALTER TABLE scores_local ADD COLUMN segment String DEFAULT 'none' COMMENT 'test'",
		"ALTER TABLE scores ADD COLUMN segment String DEFAULT 'none'",
	} {
		if err := cl.ExecEach(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := head.Exec(syncInsert(ctx), "INSERT INTO scores (as_of, member_id, score, segment) SELECT toDate('2026-03-02'), concat('m', toString(number)), 1, 'vip' FROM system.numbers LIMIT 10"); err != nil {
		t.Fatal(err)
	}
	if got := one(t, ctx, head, "SELECT toString(countIf(segment = 'vip')) FROM scores"); got != "10" {
		t.Errorf("rows with the new column through Distributed: %s, want 10", got)
	}

	// The *_latest views' pattern works over a Distributed table; an IN
	// subquery on a Distributed table under a Distributed outer FROM is
	// refused (exception 288) unless it is GLOBAL.
	if err := cl.ExecEach(ctx, "CREATE VIEW IF NOT EXISTS scores_latest AS SELECT * FROM scores WHERE as_of = (SELECT max(as_of) FROM scores)"); err != nil {
		t.Fatal(err)
	}
	for i, s := range cl.Shards {
		if got := one(t, ctx, s, "SELECT concat(toString(count()), '|', toString(max(as_of))) FROM scores_latest"); got != "10|2026-03-02" {
			t.Errorf("scores_latest from shard %d: %s, want 10|2026-03-02", i+1, got)
		}
	}
	_, err := head.Query(ctx, "SELECT count() FROM scores WHERE as_of IN (SELECT max(as_of) FROM scores)")
	var exc *clickhouse.Exception
	if !errors.As(err, &exc) || exc.Code != 288 {
		t.Errorf("IN (SELECT ... FROM distributed) under a distributed FROM: err %v, want exception 288", err)
	}
	if got := one(t, ctx, head, "SELECT toString(count()) FROM scores WHERE as_of GLOBAL IN (SELECT max(as_of) FROM scores)"); got != "10" {
		t.Errorf("GLOBAL IN: %s rows, want 10", got)
	}
	if err := head.Exec(ctx, "ALTER TABLE scores_local ADD COLUMN IF NOT EXISTS other UInt8"); err == nil {
		t.Log("this server accepts ADD COLUMN IF NOT EXISTS")
	}

	// ON CLUSTER needs the distributed DDL queue (ZooKeeper/Keeper).
	if err := head.Exec(ctx, "CREATE TABLE IF NOT EXISTS oc ON CLUSTER "+ClusterName+" (a UInt8) ENGINE = Memory"); err == nil {
		t.Error("ON CLUSTER worked without ZooKeeper; update docs/cluster.md")
	}
}
