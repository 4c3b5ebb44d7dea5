package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
)

func newClickHouseCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clickhouse",
		Short: "Manage the local ClickHouse server (start, stop, status, addr)",
	}
	opts := func() localch.Options {
		return localch.Options{Dir: a.cfg.Local.Dir, Binary: a.cfg.Local.Binary, TCPPort: a.cfg.Local.TCPPort}
	}
	var topology string
	start := &cobra.Command{
		Use:   "start",
		Short: "Start the local server (a no-op when it runs) and wait until it answers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if topology != "" {
				return startLocalCluster(cmd, a, topology)
			}
			st, err := localch.Start(cmd.Context(), opts())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "local clickhouse running: pid %d, native %s, dir %s\n", st.PID, st.Addr(), st.Dir)
			return nil
		},
	}
	start.Flags().StringVar(&topology, "cluster", "", "start a replicated cluster of SHARDSxREPLICAS servers and a ZooKeeper instead (e.g. 2x2)")
	cmd.AddCommand(start, &cobra.Command{
		Use:   "stop",
		Short: "Stop the local server (and the local cluster, if one was started)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := localch.Stop(a.cfg.Local.Dir, 30*time.Second); err != nil {
				return err
			}
			if err := localch.StopCluster(clusterDir(a)); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "local clickhouse stopped")
			return nil
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "Say whether the local server runs (exit status 3 when it does not)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := localch.Status(a.cfg.Local.Dir)
			if errors.Is(err, localch.ErrNotRunning) {
				fmt.Fprintln(a.stdout, "local clickhouse: not running")
				return exitCode(3)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "local clickhouse: running, pid %d, native %s\n", st.PID, st.Addr())
			return nil
		},
	}, &cobra.Command{
		Use:   "addr",
		Short: "Print the local server's native address (for MEMBERLYTICS_CLICKHOUSE_ADDR)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := localch.Status(a.cfg.Local.Dir)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, st.Addr())
			return nil
		},
	})
	return cmd
}

// clusterDir is where `clickhouse start --cluster` keeps its servers.
func clusterDir(a *app) string { return filepath.Join(a.cfg.Local.Dir, "cluster") }

// parseTopology reads SHARDSxREPLICAS (1-9 each).
func parseTopology(s string) (shards, replicas int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	shards, err1 := strconv.Atoi(a)
	replicas, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || shards < 1 || shards > 9 || replicas < 1 || replicas > 9 {
		return 0, 0, fmt.Errorf("--cluster: want SHARDSxREPLICAS with 1-9 each, like 2x2, got %q", s)
	}
	return shards, replicas, nil
}

// startLocalCluster starts a replicated local cluster and prints the
// clickhouse section that uses it.
func startLocalCluster(cmd *cobra.Command, a *app, topology string) error {
	shards, replicas, err := parseTopology(topology)
	if err != nil {
		return err
	}
	if _, _, err := localch.ClusterStatus(clusterDir(a)); err == nil {
		return fmt.Errorf("a local cluster runs in %s already: memberlytics clickhouse stop first", clusterDir(a))
	}
	c, err := localch.StartCluster(cmd.Context(), localch.ClusterOptions{Dir: clusterDir(a), Name: "memberlytics_local",
		Shards: shards, Replicas: replicas, Binary: a.cfg.Local.Binary})
	if err != nil {
		return err
	}
	addrs := c.Addrs()
	var first []string
	for _, rs := range addrs {
		first = append(first, rs[0])
	}
	fmt.Fprintf(a.stdout, "local cluster running: %dx%d, zookeeper 127.0.0.1:%d, dir %s\n", shards, replicas, c.ZooKeeperPort, c.Dir)
	fmt.Fprintf(a.stdout, "clickhouse:\n  addr: %s\n  cluster:\n    name: %s\n    shards: [%s]\n    on_cluster: true\n    replicated: true\n    replicas:\n",
		first[0], c.Name, strings.Join(first, ", "))
	for _, rs := range addrs {
		fmt.Fprintf(a.stdout, "      - [%s]\n", strings.Join(rs, ", "))
	}
	return nil
}

// exitCode is an error that sets the process's exit status silently.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e exitCode) ExitCode() int { return int(e) }
