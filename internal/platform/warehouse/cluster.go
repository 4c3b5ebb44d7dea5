package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// ClusterSettings are the settings every connection of cluster mode sends
// with each query: an insert into a Distributed table returns only once
// every shard has its rows (and fails when a shard is down), so a load or
// a model output is never recorded while rows wait in a queue. Settings
// travel as integers: 18.16's protocol revision carries no other type
// through clickhouse-go. Newer servers call the setting
// distributed_foreground_insert and keep this name as an alias.
var ClusterSettings = map[string]int{"insert_distributed_sync": 1}

// Topology is a sharded ClickHouse as code that must act per shard sees
// it: DDL on every shard, publishing a partition on every shard's local
// table.
type Topology struct {
	// Name is the cluster in <remote_servers>, the first argument of
	// ENGINE = Distributed(...).
	Name string
	// Shards holds a connection per shard, in <remote_servers> order;
	// Shards[Initiator] is the one every other statement runs on.
	Shards    []Conn
	Initiator int
	// OnCluster says DDL goes once, with ON CLUSTER, to the initiator.
	OnCluster bool
	// Replicated says the sharded tables are Replicated*MergeTree (it
	// implies OnCluster). Replicas then holds, per shard, a connection to
	// each of its replicas, for what must happen on a replica of its own
	// (staging tables); Shards[i] fails over between shard i's replicas.
	Replicated bool
	Replicas   [][]Conn
}

// LocalTable is the name of a sharded table's per-shard MergeTree.
func LocalTable(table string) string { return table + "_local" }

// ClusterConn is a Conn to a sharded ClickHouse. As a Conn it runs every
// statement on the initiator, so code that only reads through Distributed
// tables and views needs nothing else; code that must act per shard (DDL,
// publishing) finds the shards with TopologyOf. It is safe for concurrent
// use.
type ClusterConn struct {
	Conn
	topo Topology
}

// NewClusterConn returns the ClusterConn for topo; its Conn is
// topo.Shards[topo.Initiator]. Close closes every shard's connection.
func NewClusterConn(topo Topology) *ClusterConn {
	return &ClusterConn{Conn: topo.Shards[topo.Initiator], topo: topo}
}

// Topology returns the cluster's shards.
func (c *ClusterConn) Topology() Topology { return c.topo }

// Close closes every shard's connection and returns the first error.
func (c *ClusterConn) Close() error {
	var errs []error
	for _, s := range c.topo.Shards {
		errs = append(errs, s.Close())
	}
	for _, rs := range c.topo.Replicas {
		for _, r := range rs {
			errs = append(errs, r.Close())
		}
	}
	return errors.Join(errs...)
}

// TopologyOf returns the cluster behind conn, and false for a
// single-server connection. It looks for a Topology() method, so wrappers
// of a ClusterConn keep cluster mode.
func TopologyOf(conn any) (Topology, bool) {
	t, ok := conn.(interface{ Topology() Topology })
	if !ok {
		return Topology{}, false
	}
	return t.Topology(), true
}

// OpenCluster opens cfg.Cluster: a connection to every shard with
// opt.Settings plus ClusterSettings (each creating cfg.Database unless opt
// says not to),
// then checks on the initiator (cfg.Addr) that system.clusters lists the
// configured shards, in order, with the configured host names and ports.
func OpenCluster(ctx context.Context, cfg config.ClickHouse, opt Options) (*ClusterConn, error) {
	cl := cfg.Cluster
	if !cl.Enabled() {
		return nil, fmt.Errorf("open cluster: clickhouse.cluster.name is not set")
	}
	topo := Topology{Name: cl.Name, Initiator: -1, OnCluster: cl.OnCluster, Replicated: cl.Replicated}
	settings := map[string]int{}
	for k, v := range opt.Settings {
		settings[k] = v
	}
	for k, v := range ClusterSettings {
		settings[k] = v
	}
	opt.Settings = settings
	fail := func(err error) (*ClusterConn, error) {
		for _, s := range topo.Shards {
			s.Close()
		}
		for _, rs := range topo.Replicas {
			for _, r := range rs {
				r.Close()
			}
		}
		return nil, err
	}
	for i, addr := range cl.Shards {
		c := cfg
		c.Addr = addr
		o := opt
		if cl.Replicated {
			// A shard's connection fails over between its replicas; each
			// replica also gets one of its own.
			o.Failover = cl.Replicas[i][1:]
			var reps []Conn
			for _, ra := range cl.Replicas[i] {
				rc := cfg
				rc.Addr = ra
				r, err := Open(ctx, rc, opt)
				if err != nil {
					for _, r := range reps {
						r.Close()
					}
					return fail(fmt.Errorf("open replica %s of shard %d of cluster %s: %w", ra, i+1, cl.Name, err))
				}
				reps = append(reps, r)
			}
			topo.Replicas = append(topo.Replicas, reps)
		}
		conn, err := Open(ctx, c, o)
		if err != nil {
			return fail(fmt.Errorf("open shard %d of cluster %s: %w", i+1, cl.Name, err))
		}
		topo.Shards = append(topo.Shards, conn)
		if addr == cfg.Addr {
			topo.Initiator = i
		}
	}
	if topo.Initiator < 0 {
		return fail(fmt.Errorf("open cluster %s: clickhouse.addr %s is not one of its shards", cl.Name, cfg.Addr))
	}
	if err := CheckTopology(ctx, topo.Shards[topo.Initiator], cl.Name, cl.Shards); err != nil {
		return fail(fmt.Errorf("open cluster: %w", err))
	}
	return NewClusterConn(topo), nil
}

// CheckTopology compares the server's view of cluster (system.clusters,
// first replica of each shard) with the configured shard addresses.
// host_name is compared, not the resolved host_address.
func CheckTopology(ctx context.Context, conn Conn, cluster string, shards []string) error {
	rows, err := conn.Query(ctx, `SELECT toUInt32(shard_num), host_name, toUInt16(port) FROM system.clusters
		WHERE cluster = ? AND replica_num = 1 ORDER BY shard_num`, cluster)
	if err != nil {
		return fmt.Errorf("read cluster %s from system.clusters: %w", cluster, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			n    uint32
			host string
			port uint16
		)
		if err := rows.Scan(&n, &host, &port); err != nil {
			return fmt.Errorf("read cluster %s from system.clusters: %w", cluster, err)
		}
		got = append(got, net.JoinHostPort(host, strconv.Itoa(int(port))))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cluster %s from system.clusters: %w", cluster, err)
	}
	if len(got) != len(shards) {
		return fmt.Errorf("cluster %s has %d shards on the server, config lists %d", cluster, len(got), len(shards))
	}
	for i := range got {
		if got[i] != shards[i] {
			return fmt.Errorf("cluster %s: shard %d is %s on the server, config lists %s", cluster, i+1, got[i], shards[i])
		}
	}
	return nil
}
