package config

import "strconv"

// Cluster describes a sharded ClickHouse (clickhouse.cluster); the zero
// value is one server, memberlytics' default mode. See docs/cluster.md.
type Cluster struct {
	// Name is the cluster as declared in <remote_servers> on every server;
	// empty means one server.
	Name string `yaml:"name"`
	// Shards are native host:port addresses, one replica per shard, in
	// <remote_servers> order. clickhouse.addr must be one of them.
	Shards []string `yaml:"shards"`
	// OnCluster sends DDL once with ON CLUSTER (needs ZooKeeper or
	// ClickHouse Keeper) instead of to every address in Shards.
	OnCluster bool `yaml:"on_cluster"`
	// Replicated says each shard has replicas kept in step by ZooKeeper
	// (or ClickHouse Keeper): tables are created Replicated*MergeTree and
	// every DDL goes ON CLUSTER, so it requires on_cluster.
	Replicated bool `yaml:"replicated"`
	// Replicas lists, per shard in shards order, every replica's native
	// address, the shards entry first; required when replicated. Reads
	// and writes of a shard fail over between them in this order.
	Replicas [][]string `yaml:"replicas"`
}

// Enabled reports whether cluster mode is on.
func (c Cluster) Enabled() bool { return c.Name != "" }

// validateCluster checks clickhouse.cluster against the rest of the
// clickhouse section; it does not touch the network.
func validateCluster(ch ClickHouse, add func(key, format string, args ...any)) {
	c := ch.Cluster
	if !c.Enabled() {
		if len(c.Shards) > 0 || c.OnCluster || c.Replicated {
			add("clickhouse.cluster.name", "must be set when shards, on_cluster or replicated are")
		}
		return
	}
	if c.Replicated && !c.OnCluster {
		add("clickhouse.cluster.replicated", "requires on_cluster: true (replicated DDL goes through the distributed DDL queue)")
	}
	if !c.Replicated && len(c.Replicas) > 0 {
		add("clickhouse.cluster.replicas", "is only read when replicated is true")
	}
	if c.Replicated {
		if len(c.Replicas) != len(c.Shards) {
			add("clickhouse.cluster.replicas", "must list the replicas of each of the %d shards, got %d lists", len(c.Shards), len(c.Replicas))
		}
		for i, rs := range c.Replicas {
			key := "clickhouse.cluster.replicas[" + strconv.Itoa(i) + "]"
			if len(rs) == 0 || (i < len(c.Shards) && rs[0] != c.Shards[i]) {
				add(key, "must start with shards[%d] (%s)", i, c.Shards[min(i, len(c.Shards)-1)])
			}
			for j, a := range rs {
				if err := validAddr(a); err != nil {
					add(key+"["+strconv.Itoa(j)+"]", "%v", err)
				}
			}
		}
	}
	if !validIdentifier(c.Name) {
		add("clickhouse.cluster.name", "must be a plain identifier (letters, digits, _), got %q", c.Name)
	}
	if len(c.Shards) == 0 {
		add("clickhouse.cluster.shards", "must list at least one address when cluster.name is set")
		return
	}
	seen := map[string]int{}
	for i, s := range c.Shards {
		key := "clickhouse.cluster.shards[" + strconv.Itoa(i) + "]"
		if err := validAddr(s); err != nil {
			add(key, "%v", err)
			continue
		}
		if j, dup := seen[s]; dup {
			add(key, "duplicates shards[%d]", j)
			continue
		}
		seen[s] = i
	}
	if _, ok := seen[ch.Addr]; !ok {
		add("clickhouse.addr", "must be one of clickhouse.cluster.shards in cluster mode, got %q", ch.Addr)
	}
}
