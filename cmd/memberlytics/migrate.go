package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newMigrateCmd(a *app) *cobra.Command {
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations (idempotent); --status lists them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			r, err := newMigrator(conn, a.log)
			if err != nil {
				return err
			}
			if status {
				st, err := r.Status(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "MIGRATION\tAPPLIED\tAT")
				for _, s := range st {
					at := "-"
					if s.Applied {
						at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
					}
					state := fmt.Sprint(s.Applied)
					if s.Changed {
						state = "CHANGED"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, state, at)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				// Cluster mode: every shard holds what the applied migrations put there.
				problems, err := r.ShardProblems(ctx)
				if err != nil {
					return err
				}
				for _, p := range problems {
					fmt.Fprintln(a.stdout, p)
				}
				return nil
			}
			applied, err := r.Up(ctx)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintf(a.stdout, "schema of %s is current\n", conn.Database())
				return nil
			}
			fmt.Fprintf(a.stdout, "applied %d migrations to %s\n", len(applied), conn.Database())
			return nil
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "list migrations and whether they are applied")
	return cmd
}
