package migrate_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

func TestRewrite(t *testing.T) {
	t.Parallel()
	sharded := map[string]string{"orders": "cityHash64(member_id)", "rfm": "cityHash64(member_id)"}
	home := []string{"load_files", "cohorts"}
	const create = "-- orders: one row per order\nCREATE TABLE IF NOT EXISTS orders\n(\n    member_id String COMMENT 'm',\n    order_id String\n)\nENGINE = ReplacingMergeTree() ORDER BY order_id"
	tests := []struct {
		name      string
		onCluster bool
		stmt      string
		want      []migrate.Step
		wantErr   string
	}{
		{"sharded table", false, create, []migrate.Step{
			{SQL: "CREATE TABLE IF NOT EXISTS `orders_local` (\n    member_id String COMMENT 'm',\n    order_id String\n)\nENGINE = ReplacingMergeTree() ORDER BY order_id", Target: migrate.EveryShard},
			{SQL: "CREATE TABLE IF NOT EXISTS `orders` AS `orders_local` ENGINE = Distributed(c1, `db`, `orders_local`, cityHash64(member_id))", Target: migrate.EveryShard},
		}, ""},
		{"sharded table on cluster", true, create, []migrate.Step{
			{SQL: "CREATE TABLE IF NOT EXISTS `db`.`orders_local` ON CLUSTER c1 (\n    member_id String COMMENT 'm',\n    order_id String\n)\nENGINE = ReplacingMergeTree() ORDER BY order_id", Target: migrate.Initiator},
			{SQL: "CREATE TABLE IF NOT EXISTS `db`.`orders` ON CLUSTER c1 AS `db`.`orders_local` ENGINE = Distributed(c1, `db`, `orders_local`, cityHash64(member_id))", Target: migrate.Initiator},
		}, ""},
		{"home table", false, "CREATE TABLE IF NOT EXISTS load_files (file_id String) ENGINE = MergeTree() ORDER BY file_id",
			[]migrate.Step{{SQL: "CREATE TABLE IF NOT EXISTS load_files (file_id String) ENGINE = MergeTree() ORDER BY file_id", Target: migrate.Initiator}}, ""},
		{"home table on cluster stays home", true, "CREATE TABLE IF NOT EXISTS cohorts (as_of Date) ENGINE = MergeTree() ORDER BY as_of",
			[]migrate.Step{{SQL: "CREATE TABLE IF NOT EXISTS cohorts (as_of Date) ENGINE = MergeTree() ORDER BY as_of", Target: migrate.Initiator}}, ""},
		{"unclassified table", false, "CREATE TABLE IF NOT EXISTS mystery (x String) ENGINE = Memory", nil, "neither sharded nor home"},
		{"sharded without member_id", false, "CREATE TABLE IF NOT EXISTS rfm (as_of Date) ENGINE = MergeTree() ORDER BY as_of", nil, "no member_id column"},
		{"view over sharded", false, "CREATE VIEW IF NOT EXISTS rfm_latest AS\nSELECT * FROM rfm WHERE as_of = (SELECT max(as_of) FROM rfm)",
			[]migrate.Step{{SQL: "CREATE VIEW IF NOT EXISTS `rfm_latest` AS\nSELECT * FROM rfm WHERE as_of = (SELECT max(as_of) FROM rfm)", Target: migrate.EveryShard}}, ""},
		{"view over sharded on cluster", true, "CREATE VIEW IF NOT EXISTS orders_current AS SELECT * FROM orders FINAL",
			[]migrate.Step{{SQL: "CREATE VIEW IF NOT EXISTS `db`.`orders_current` ON CLUSTER c1 AS SELECT * FROM `db`.`orders` FINAL", Target: migrate.Initiator}}, ""},
		{"view over home", false, "CREATE VIEW IF NOT EXISTS cohorts_latest AS SELECT * FROM cohorts",
			[]migrate.Step{{SQL: "CREATE VIEW IF NOT EXISTS cohorts_latest AS SELECT * FROM cohorts", Target: migrate.Initiator}}, ""},
		{"view joining sharded and home", false, "CREATE VIEW IF NOT EXISTS v AS SELECT * FROM rfm JOIN cohorts USING (as_of)",
			[]migrate.Step{{SQL: "CREATE VIEW IF NOT EXISTS v AS SELECT * FROM rfm JOIN cohorts USING (as_of)", Target: migrate.Initiator}}, ""},
		{"alter sharded", false, "ALTER TABLE rfm ADD COLUMN x UInt8 COMMENT 'x'", []migrate.Step{
			{SQL: "ALTER TABLE `rfm_local` ADD COLUMN x UInt8 COMMENT 'x'", Target: migrate.EveryShard},
			{SQL: "ALTER TABLE `rfm` ADD COLUMN x UInt8 COMMENT 'x'", Target: migrate.EveryShard},
		}, ""},
		{"alter sharded on cluster", true, "ALTER TABLE rfm ADD COLUMN x UInt8", []migrate.Step{
			{SQL: "ALTER TABLE `rfm_local` ADD COLUMN x UInt8", Target: migrate.EveryShard},
			{SQL: "ALTER TABLE `rfm` ADD COLUMN x UInt8", Target: migrate.EveryShard},
		}, ""},
		{"alter home", false, "ALTER TABLE cohorts COMMENT COLUMN as_of 'x'",
			[]migrate.Step{{SQL: "ALTER TABLE cohorts COMMENT COLUMN as_of 'x'", Target: migrate.Initiator}}, ""},
		{"other statement on sharded", false, "DROP TABLE IF EXISTS orders", nil, "not supported in cluster mode"},
		{"other statement on home", false, "DROP TABLE IF EXISTS load_files",
			[]migrate.Step{{SQL: "DROP TABLE IF EXISTS load_files", Target: migrate.Initiator}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := migrate.NewRewriter("c1", "db", tt.onCluster, sharded, home).Rewrite(tt.stmt)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Rewrite = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Rewrite gave %d steps, want %d:\n%q", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("step %d:\n got %q (%s)\nwant %q (%s)", i, got[i].SQL, got[i].Target, tt.want[i].SQL, tt.want[i].Target)
				}
			}
		})
	}
}

// TestEveryMigrationRewrites is the classification check: every embedded
// migration rewrites for a cluster (each CREATE TABLE is in sql.Sharded or
// sql.Home, not both, sharded ones have member_id), and every sharded
// table of the lists exists in the migrations.
func TestEveryMigrationRewrites(t *testing.T) {
	t.Parallel()
	for _, h := range sql.Home {
		if _, both := sql.Sharded[h]; both {
			t.Errorf("%s is both sharded and home", h)
		}
	}
	ms, err := migrate.Load(sql.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	rw := migrate.NewRewriter("c1", "db", false, sql.Sharded, sql.Home)
	made := map[string]bool{}
	for _, m := range ms {
		stmts, err := migrate.Split(m.SQL)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range stmts {
			steps, err := rw.Rewrite(s)
			if err != nil {
				t.Errorf("%s statement %d: %v", m.Name, i+1, err)
			}
			for _, st := range steps {
				if strings.Contains(st.SQL, "ENGINE = Distributed(") {
					made[strings.Fields(st.SQL)[5]] = true
				}
			}
		}
	}
	for table := range sql.Sharded {
		if !made["`"+table+"`"] {
			t.Errorf("sql.Sharded lists %s but no migration creates it", table)
		}
	}
}

func TestClusterUpIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, cc := chtest.MigratedCluster(t)
	engines := func(shard int) map[string]string {
		rows, err := db.Shards[shard].Query(ctx, "SELECT name, engine FROM system.tables WHERE database = currentDatabase()")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var n, e string
			if err := rows.Scan(&n, &e); err != nil {
				t.Fatal(err)
			}
			out[n] = e
		}
		return out
	}
	first, second := engines(0), engines(1)
	tests := []struct {
		table         string
		first, second string // engine on shard 1 (the initiator) and 2; "" = absent
	}{
		{"orders_local", "ReplacingMergeTree", "ReplacingMergeTree"},
		{"orders", "Distributed", "Distributed"},
		{"orders_current", "View", ""}, // reads the home table load_files (090)
		{"rfm_local", "MergeTree", "MergeTree"},
		{"rfm", "Distributed", "Distributed"},
		{"rfm_latest", "View", ""}, // reads the home table snapshots
		{"segment_members", "Distributed", "Distributed"},
		{"load_files", "ReplacingMergeTree", ""},
		{"cohorts", "MergeTree", ""},
		{"cohorts_latest", "View", ""},
		{"schema_migrations", "MergeTree", ""},
		{"job_runs_current", "View", ""},
	}
	for _, tt := range tests {
		if first[tt.table] != tt.first || second[tt.table] != tt.second {
			t.Errorf("%s: engines %q on shard 1, %q on shard 2; want %q, %q", tt.table, first[tt.table], second[tt.table], tt.first, tt.second)
		}
	}
	// Every shard holds what it should; a view dropped on shard 2 shows.
	r0, err := migrate.New(cc, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r0.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
		t.Fatal(err)
	}
	if p, err := r0.ShardProblems(ctx); err != nil || len(p) != 0 {
		t.Errorf("ShardProblems = %v, %v; want none", p, err)
	}
	if err := db.Shards[1].Exec(ctx, "DROP TABLE rfm"); err != nil {
		t.Fatal(err)
	}
	if p, err := r0.ShardProblems(ctx); err != nil || len(p) != 1 || p[0] != "shard 2 lacks rfm" {
		t.Errorf("ShardProblems after dropping rfm on shard 2 = %q, %v", p, err)
	}
	if err := db.Shards[1].Exec(ctx, "CREATE TABLE rfm AS rfm_local ENGINE = Distributed("+chtest.ClusterName+", "+db.Name+", rfm_local, cityHash64(member_id))"); err != nil {
		t.Fatal(err)
	}
	// A second Up applies nothing.
	r, err := migrate.New(cc, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: sql.Sharded, Home: sql.Home}); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Up(ctx); err != nil || len(got) != 0 {
		t.Errorf("second Up = %v, %v; want nothing applied", got, err)
	}
}

// TestClusterAddColumnRetryIntegration: a migration adding a column to a
// sharded table failed after shard 1 took it; sending it again skips the
// hosts that have the column (18.16 has no ADD COLUMN IF NOT EXISTS) and
// completes the others.
func TestClusterAddColumnRetryIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := chtest.NewClusterDB(t)
	cc := db.Conn(t)
	create := &fstest.MapFile{Data: []byte("CREATE TABLE IF NOT EXISTS widgets (member_id String COMMENT 'm') ENGINE = MergeTree() ORDER BY member_id;\n")}
	add := &fstest.MapFile{Data: []byte("ALTER TABLE widgets ADD COLUMN size UInt8 COMMENT 's';\n")}
	up := func(fsys fstest.MapFS) ([]string, error) {
		r, err := migrate.New(cc, fsys, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.UseCluster(migrate.Cluster{Topology: cc.Topology(), Sharded: map[string]string{"widgets": sql.ShardingKey}, Home: sql.Home}); err != nil {
			t.Fatal(err)
		}
		return r.Up(ctx)
	}
	if _, err := up(fstest.MapFS{"001_widgets.sql": create}); err != nil {
		t.Fatal(err)
	}
	// The earlier attempt's shard 1 step.
	if err := db.Shards[0].Exec(ctx, "ALTER TABLE widgets_local ADD COLUMN size UInt8 COMMENT 's'"); err != nil {
		t.Fatal(err)
	}
	got, err := up(fstest.MapFS{"001_widgets.sql": create, "002_size.sql": add})
	if err != nil || len(got) != 1 {
		t.Fatalf("Up = %v, %v; want 002 applied", got, err)
	}
	for i, sh := range db.Shards {
		for _, table := range []string{"widgets_local", "widgets"} {
			if n := chtest.QueryUint(t, sh, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND name = 'size'", table); n != 1 {
				t.Errorf("shard %d: %s has no column size", i+1, table)
			}
		}
	}
}

// A view the rewriter put on every shard is dropped on every shard (so a
// migration can recreate it over changed columns); a view it kept on the
// initiator is dropped there.
func TestRewriteDropView(t *testing.T) {
	t.Parallel()
	sharded := map[string]string{"members": "cityHash64(member_id)"}
	for _, onCluster := range []bool{false, true} {
		w := migrate.NewRewriter("c1", "db", onCluster, sharded, []string{"load_files"})
		for _, s := range []string{
			"CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL",
			"CREATE VIEW IF NOT EXISTS files_v AS SELECT * FROM load_files",
		} {
			if _, err := w.Rewrite(s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := w.Rewrite("-- 18.16 has no DROP VIEW\nDROP TABLE IF EXISTS members_current")
		want := []migrate.Step{{SQL: "DROP TABLE IF EXISTS `members_current`", Target: migrate.EveryShard}}
		if onCluster {
			want = []migrate.Step{{SQL: "DROP TABLE IF EXISTS `db`.`members_current` ON CLUSTER c1", Target: migrate.Initiator}}
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("on_cluster %v: drop = %+v, %v; want %+v", onCluster, got, err, want)
		}
		got, err = w.Rewrite("DROP TABLE IF EXISTS files_v")
		if err != nil || len(got) != 1 || got[0].Target != migrate.Initiator {
			t.Errorf("on_cluster %v: drop of a home view = %+v, %v", onCluster, got, err)
		}
		// Recreated, it is on every shard again.
		got, err = w.Rewrite("CREATE VIEW IF NOT EXISTS members_current AS SELECT * FROM members FINAL")
		if err != nil || len(got) != 1 || (got[0].Target != migrate.EveryShard) != onCluster {
			t.Errorf("on_cluster %v: recreate = %+v, %v", onCluster, got, err)
		}
	}
}

// TestRewriteReplicated checks replicated mode's statements: every one ON
// CLUSTER on the initiator, MergeTree engines Replicated under a
// {shard}/<db>/<table> path with the {replica} macro, home tables and
// their views on every server.
func TestRewriteReplicated(t *testing.T) {
	t.Parallel()
	sharded := map[string]string{"orders": "cityHash64(member_id)"}
	home := []string{"load_files"}
	w := migrate.NewRewriter("c1", "db", false, sharded, home).Replicate()
	tests := []struct{ stmt, want string }{
		{"CREATE TABLE IF NOT EXISTS orders (member_id String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY member_id",
			"CREATE TABLE IF NOT EXISTS `db`.`orders_local` ON CLUSTER c1 (member_id String, v UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/orders_local', '{replica}', v) ORDER BY member_id"},
		{"CREATE TABLE IF NOT EXISTS load_files (file_id String) ENGINE = MergeTree() ORDER BY file_id",
			"CREATE TABLE IF NOT EXISTS `db`.`load_files` ON CLUSTER c1 (file_id String) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/load_files', '{replica}') ORDER BY file_id"},
		{"CREATE VIEW IF NOT EXISTS load_files_loaded AS SELECT file_id FROM load_files",
			"CREATE VIEW IF NOT EXISTS `db`.`load_files_loaded` ON CLUSTER c1 AS SELECT file_id FROM `db`.`load_files`"},
		{"ALTER TABLE load_files ADD COLUMN x String", "ALTER TABLE `db`.`load_files` ON CLUSTER c1 ADD COLUMN x String"},
		{"DROP TABLE IF EXISTS load_files_loaded", "DROP TABLE IF EXISTS `db`.`load_files_loaded` ON CLUSTER c1"},
	}
	for _, tt := range tests {
		steps, err := w.Rewrite(tt.stmt)
		if err != nil {
			t.Fatalf("%s: %v", tt.stmt, err)
		}
		if steps[0].SQL != tt.want || steps[0].Target != migrate.Initiator {
			t.Errorf("Rewrite(%q)[0] = %q on %s, want %q on the initiator", tt.stmt, steps[0].SQL, steps[0].Target, tt.want)
		}
	}
	if got := migrate.ReplicatedEngine("ENGINE = Memory", "db", "t"); got != "ENGINE = Memory" {
		t.Errorf("ReplicatedEngine changed a Memory engine: %q", got)
	}
}

// TestRewriteReplicatedNoComments checks the 18.x form: no column
// comments on replicated tables, the sharded table's comments set on its
// comment-only ALTERs dropped (18.16 refuses COMMENT COLUMN ON CLUSTER).
func TestRewriteReplicatedNoComments(t *testing.T) {
	t.Parallel()
	w := migrate.NewRewriter("c1", "db", true, map[string]string{"orders": "k"}, []string{"load_files"}).Replicate().StripReplicatedComments()
	steps, err := w.Rewrite("CREATE TABLE IF NOT EXISTS orders\n(\n    member_id String COMMENT 'Member, it''s: (a, b)',\n    v UInt64 DEFAULT 0 COMMENT 'Version'\n) ENGINE = MergeTree() ORDER BY member_id")
	if err != nil {
		t.Fatal(err)
	}
	var sqls []string
	for _, s := range steps {
		sqls = append(sqls, s.SQL)
	}
	want := []string{
		"CREATE TABLE IF NOT EXISTS `db`.`orders_local` ON CLUSTER c1 (\n    member_id String,\n    v UInt64 DEFAULT 0\n) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/orders_local', '{replica}') ORDER BY member_id",
		"CREATE TABLE IF NOT EXISTS `db`.`orders` ON CLUSTER c1 AS `db`.`orders_local` ENGINE = Distributed(c1, `db`, `orders_local`, k)",
	}
	if !reflect.DeepEqual(sqls, want) {
		t.Errorf("steps:\n%q\nwant\n%q", sqls, want)
	}
	if steps, err := w.Rewrite("ALTER TABLE orders COMMENT COLUMN v 'New'"); err != nil || len(steps) != 1 ||
		steps[0] != (migrate.Step{SQL: "ALTER TABLE `orders` COMMENT COLUMN v 'New'", Target: migrate.EveryReplica}) {
		t.Errorf("comment ALTER of a sharded table = %v, %v; want it on the Distributed table of every server", steps, err)
	}
	if steps, err := w.Rewrite("ALTER TABLE load_files COMMENT COLUMN x 'New'"); err != nil || len(steps) != 0 {
		t.Errorf("comment ALTER of a home table = %v, %v; want no step", steps, err)
	}
	if steps, err := w.Rewrite("ALTER TABLE orders ADD COLUMN x String DEFAULT '' COMMENT 'X' AFTER v"); err != nil || len(steps) != 2 ||
		steps[0].SQL != "ALTER TABLE `db`.`orders_local` ON CLUSTER c1 ADD COLUMN x String DEFAULT '' AFTER v" || steps[1].Target != migrate.EveryReplica {
		t.Errorf("ADD COLUMN of a sharded table = %v, %v; want the local table's without its comment", steps, err)
	}
}
