package chtest_test

import (
	"context"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestReplicatedClusterIntegration starts a 2 x 2 cluster and checks what
// the replicated mode relies on: each server's macros, every server
// listing the four replicas in system.clusters, an ON CLUSTER
// ReplicatedMergeTree created on all four, and a row written on one
// replica read on the other.
func TestReplicatedClusterIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := chtest.ReplicatedCluster(t, 2, 2)
	db := c.NewDB(t)
	for s, row := range db.Nodes {
		for r, conn := range row {
			want := c.Nodes[s][r].Name()
			if got := chtest.QueryString(t, conn, "SELECT substitution FROM system.macros WHERE macro = 'replica'"); got != want {
				t.Errorf("server %s: replica macro %q", want, got)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.clusters WHERE cluster = ?", chtest.ReplicatedClusterName); n != 4 {
				t.Errorf("server %s: %d replicas in system.clusters, want 4", want, n)
			}
		}
	}
	cc := db.Conn(t)
	q := "CREATE TABLE IF NOT EXISTS " + db.Name + ".r ON CLUSTER " + chtest.ReplicatedClusterName +
		" (k UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/" + db.Name + "/r', '{replica}') ORDER BY k"
	if err := cc.Exec(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := db.Nodes[1][0].Exec(ctx, "INSERT INTO r (k) SELECT number FROM system.numbers LIMIT 10"); err != nil {
		t.Fatal(err)
	}
	if err := db.Nodes[1][1].Exec(ctx, "SYSTEM SYNC REPLICA r"); err != nil {
		t.Fatal(err)
	}
	if n := chtest.QueryUint(t, db.Nodes[1][1], "SELECT count() FROM r"); n != 10 {
		t.Errorf("replica s2r2 has %d rows, want the 10 written on s2r1", n)
	}
	if n := chtest.QueryUint(t, db.Nodes[0][1], "SELECT count() FROM r"); n != 0 {
		t.Errorf("replica s1r2 has %d rows, want 0 (another shard)", n)
	}
}
