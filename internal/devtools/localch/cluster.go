package localch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClusterOptions configure a replicated cluster on this machine: one
// ZooKeeper and Shards x Replicas servers, each with its own directory
// under Dir, ports and macros.
type ClusterOptions struct {
	// Dir holds cluster.json, zookeeper/ and one s<shard>r<replica>/ server
	// directory per server.
	Dir string
	// Name is the cluster in every server's <remote_servers>.
	Name string
	// Shards and Replicas give the topology (at least 1 each).
	Shards, Replicas int
	// Binary, MaxMemory, DieWithParent and Extra are as in Options, for
	// every server.
	Binary        string
	MaxMemory     int64
	DieWithParent bool
	Extra         []string
}

// Node is one server of a Cluster.
type Node struct {
	// Shard and Replica number the server from 1.
	Shard, Replica int
	// Dir is the server's directory (a localch server directory).
	Dir string
	// TCPPort and InterserverPort are fixed for the cluster's life: every
	// server's <remote_servers> names the first, replicas fetch parts from
	// each other over the second.
	TCPPort         int `json:"tcp_port"`
	InterserverPort int `json:"interserver_port"`
}

// Addr is the node's native protocol address.
func (n Node) Addr() string { return State{TCPPort: n.TCPPort}.Addr() }

// Name is the node's replica name, its {replica} macro: s<shard>r<replica>.
func (n Node) Name() string { return fmt.Sprintf("s%dr%d", n.Shard, n.Replica) }

// Cluster is a running replicated cluster started by StartCluster. Its
// methods are not safe for concurrent use.
type Cluster struct {
	Opt ClusterOptions `json:"-"`
	// Dir, Name and ZooKeeperPort are recorded in cluster.json.
	Dir           string `json:"dir"`
	Name          string `json:"name"`
	ZooKeeperPort int    `json:"zookeeper_port"`
	ZooKeeperPID  int    `json:"zookeeper_pid"`
	// Nodes holds the servers by shard, then replica.
	Nodes [][]Node `json:"nodes"`

	zk *ZooKeeper
}

// StartCluster starts ZooKeeper, then every server, and returns once all
// answer. On error it stops what it started.
func StartCluster(ctx context.Context, opt ClusterOptions) (*Cluster, error) {
	if opt.Shards < 1 || opt.Replicas < 1 {
		return nil, fmt.Errorf("start cluster: want at least 1 shard and 1 replica, got %dx%d", opt.Shards, opt.Replicas)
	}
	if _, _, err := FindZooKeeper(); err != nil {
		return nil, err
	}
	if opt.Binary == "" {
		if _, _, err := FindBinary(); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("cluster dir: %w", err)
	}
	c := &Cluster{Opt: opt, Dir: dir, Name: opt.Name}
	// Every server's config names every server's port: choose them all first.
	var taken []int
	port := func() (int, error) {
		for range 20 {
			p, err := freePort()
			if err != nil {
				return 0, err
			}
			if !slices.Contains(taken, p) {
				taken = append(taken, p)
				return p, nil
			}
		}
		return 0, errors.New("find a free port: no distinct port after 20 tries")
	}
	if c.ZooKeeperPort, err = port(); err != nil {
		return nil, err
	}
	for s := 1; s <= opt.Shards; s++ {
		var row []Node
		for r := 1; r <= opt.Replicas; r++ {
			n := Node{Shard: s, Replica: r}
			n.Dir = filepath.Join(dir, n.Name())
			if n.TCPPort, err = port(); err != nil {
				return nil, err
			}
			if n.InterserverPort, err = port(); err != nil {
				return nil, err
			}
			row = append(row, n)
		}
		c.Nodes = append(c.Nodes, row)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster dir: %w", err)
	}
	if err := c.StartZooKeeper(ctx); err != nil {
		return nil, err
	}
	for _, row := range c.Nodes {
		for _, n := range row {
			if err := c.StartNode(ctx, n); err != nil {
				c.Stop()
				return nil, err
			}
		}
	}
	if err := c.writeState(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// RemoteServers is the <remote_servers> block of the cluster: one shard
// per row of Nodes, its replicas in order, internal_replication on (an
// insert into a Distributed table writes one replica, replication copies
// it).
func (c *Cluster) RemoteServers() string {
	var b strings.Builder
	b.WriteString("<remote_servers><" + c.Name + ">")
	for _, row := range c.Nodes {
		b.WriteString("<shard><internal_replication>true</internal_replication>")
		for _, n := range row {
			b.WriteString("<replica><host>127.0.0.1</host><port>" + strconv.Itoa(n.TCPPort) + "</port></replica>")
		}
		b.WriteString("</shard>")
	}
	b.WriteString("</" + c.Name + "></remote_servers>")
	return b.String()
}

// replicatedProfile is merged into every server's users.xml: distributed
// reads take the first live replica of each shard in <remote_servers>
// order (a replica that was down and is catching up is second), and an
// ON CLUSTER statement waits at most a minute for a host.
const replicatedProfile = `<yandex><profiles><default>
<load_balancing>in_order</load_balancing>
<distributed_ddl_task_timeout>60</distributed_ddl_task_timeout>
</default></profiles></yandex>`

// nodeConfig is the config.xml lines of n besides the defaults.
func (c *Cluster) nodeConfig(n Node) []string {
	zk := &ZooKeeper{Port: c.ZooKeeperPort}
	return append([]string{
		c.RemoteServers(), zk.Config(),
		"<macros><shard>" + strconv.Itoa(n.Shard) + "</shard><replica>" + n.Name() + "</replica></macros>",
		"<interserver_http_port>" + strconv.Itoa(n.InterserverPort) + "</interserver_http_port>",
		"<interserver_http_host>127.0.0.1</interserver_http_host>",
	}, c.Opt.Extra...)
}

// StartNode starts (or starts again) one server on its directory and ports.
func (c *Cluster) StartNode(ctx context.Context, n Node) error {
	st, err := Start(ctx, Options{Dir: n.Dir, Binary: c.Opt.Binary, TCPPort: n.TCPPort, MaxMemory: c.Opt.MaxMemory,
		Extra: c.nodeConfig(n), UsersD: map[string]string{"replicated.xml": replicatedProfile}, DieWithParent: c.Opt.DieWithParent})
	if err != nil {
		return fmt.Errorf("start %s: %w", n.Name(), err)
	}
	if st.TCPPort != n.TCPPort {
		_ = Stop(n.Dir, 10*time.Second)
		return fmt.Errorf("start %s: port %d was taken", n.Name(), n.TCPPort)
	}
	return nil
}

// StopNode stops one server (SIGTERM, SIGKILL after grace); its data stays.
func (c *Cluster) StopNode(n Node, grace time.Duration) error {
	if err := Stop(n.Dir, grace); err != nil {
		return fmt.Errorf("stop %s: %w", n.Name(), err)
	}
	return nil
}

// StartZooKeeper starts (or starts again) the cluster's ZooKeeper on its
// directory and port.
func (c *Cluster) StartZooKeeper(ctx context.Context) error {
	zk, err := StartZooKeeper(ctx, filepath.Join(c.Dir, "zookeeper"), c.ZooKeeperPort, c.Opt.DieWithParent)
	if err != nil {
		return err
	}
	c.zk, c.ZooKeeperPID = zk, zk.PID
	return c.writeState()
}

// StopZooKeeper kills the cluster's ZooKeeper; its data stays.
func (c *Cluster) StopZooKeeper() {
	if c.zk != nil {
		c.zk.Stop()
		c.zk = nil
		return
	}
	stopForeignPID(c.ZooKeeperPID)
}

// Stop stops every server and ZooKeeper. Data stays in Dir.
func (c *Cluster) Stop() {
	for _, row := range c.Nodes {
		for _, n := range row {
			_ = Stop(n.Dir, 20*time.Second)
		}
	}
	c.StopZooKeeper()
	_ = os.Remove(filepath.Join(c.Dir, "cluster.json"))
}

// Addrs returns every server's address by shard, then replica.
func (c *Cluster) Addrs() [][]string {
	out := make([][]string, len(c.Nodes))
	for i, row := range c.Nodes {
		for _, n := range row {
			out[i] = append(out[i], n.Addr())
		}
	}
	return out
}

// ClusterStatus reads dir's cluster.json and returns the cluster recorded
// there, with whether each server answers, or ErrNotRunning.
func ClusterStatus(dir string) (*Cluster, map[string]bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return nil, nil, ErrNotRunning
	}
	c := &Cluster{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", filepath.Join(dir, "cluster.json"), err)
	}
	up := map[string]bool{}
	for _, row := range c.Nodes {
		for _, n := range row {
			_, err := Status(n.Dir)
			up[n.Name()] = err == nil
		}
	}
	up["zookeeper"] = (&ZooKeeper{Port: c.ZooKeeperPort}).Ping() == nil
	return c, up, nil
}

// StopCluster stops the cluster recorded in dir, if any.
func StopCluster(dir string) error {
	c, _, err := ClusterStatus(dir)
	if errors.Is(err, ErrNotRunning) {
		return nil
	}
	if err != nil {
		return err
	}
	c.Stop()
	return nil
}

func (c *Cluster) writeState() error {
	data, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(filepath.Join(c.Dir, "cluster.json"), data, 0o644); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	return nil
}

// stopForeignPID kills a process this one did not start (a ZooKeeper
// recorded by an earlier `clickhouse start --cluster`) and waits for it.
func stopForeignPID(pid int) {
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !alive(pid) || !strings.Contains(string(cmdline), "QuorumPeerMain") {
		return // gone, or the id now belongs to another program
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 200 && alive(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
}
