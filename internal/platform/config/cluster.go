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
}

// Enabled reports whether cluster mode is on.
func (c Cluster) Enabled() bool { return c.Name != "" }

// validateCluster checks clickhouse.cluster against the rest of the
// clickhouse section; it does not touch the network.
func validateCluster(ch ClickHouse, add func(key, format string, args ...any)) {
	c := ch.Cluster
	if !c.Enabled() {
		if len(c.Shards) > 0 || c.OnCluster {
			add("clickhouse.cluster.name", "must be set when shards or on_cluster are")
		}
		return
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
