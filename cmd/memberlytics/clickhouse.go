package main

import (
	"errors"
	"fmt"
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
	cmd.AddCommand(&cobra.Command{
		Use:   "start",
		Short: "Start the local server (a no-op when it runs) and wait until it answers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := localch.Start(cmd.Context(), opts())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "local clickhouse running: pid %d, native %s, dir %s\n", st.PID, st.Addr(), st.Dir)
			return nil
		},
	}, &cobra.Command{
		Use:   "stop",
		Short: "Stop the local server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := localch.Stop(a.cfg.Local.Dir, 30*time.Second); err != nil {
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

// exitCode is an error that sets the process's exit status silently.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e exitCode) ExitCode() int { return int(e) }
