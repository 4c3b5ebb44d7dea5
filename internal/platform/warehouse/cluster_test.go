package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestOpenClusterIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	states := chtest.ClusterServers(t)
	db := chtest.NewClusterDB(t)
	var addrs []string
	for _, st := range states {
		addrs = append(addrs, st.Addr())
	}
	cfg := chtest.Config(t, db.Name)
	cfg.Addr = addrs[1]
	cfg.Cluster.Name, cfg.Cluster.Shards = chtest.ClusterName, addrs
	cc, err := warehouse.OpenCluster(ctx, cfg, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	topo, ok := warehouse.TopologyOf(cc)
	if !ok || len(topo.Shards) != 2 || topo.Initiator != 1 || topo.Name != chtest.ClusterName {
		t.Fatalf("TopologyOf = %+v, %v; want 2 shards, initiator 1", topo, ok)
	}
	if _, ok := warehouse.TopologyOf(db.Shards[0]); ok {
		t.Error("a single-server connection reports a topology")
	}
	// Every shard connection sends insert_distributed_sync = 1.
	for i, sh := range topo.Shards {
		rows, err := sh.Query(ctx, "SELECT value FROM system.settings WHERE name = 'insert_distributed_sync'")
		if err != nil {
			t.Fatal(err)
		}
		var v string
		for rows.Next() {
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		if v != "1" {
			t.Errorf("shard %d: insert_distributed_sync = %q, want 1", i+1, v)
		}
	}

	tests := []struct {
		name    string
		cluster string
		shards  []string
		wantErr string
	}{
		{"matches", chtest.ClusterName, addrs, ""},
		{"one shard too many", chtest.ClusterName, append(append([]string(nil), addrs...), "127.0.0.1:1"), "has 2 shards on the server, config lists 3"},
		{"wrong order", chtest.ClusterName, []string{addrs[1], addrs[0]}, "shard 1 is " + addrs[0] + " on the server, config lists " + addrs[1]},
		{"unknown cluster", "nope", addrs, "has 0 shards on the server"},
	}
	for _, tt := range tests {
		err := warehouse.CheckTopology(ctx, cc, tt.cluster, tt.shards)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: CheckTopology = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}
