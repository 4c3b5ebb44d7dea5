package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/jobs"
)

func newRunsCmd(a *app) *cobra.Command {
	var job, status string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs [--job J] [--status S] [--limit N]",
		Short: "List job runs from the run history (job_runs), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1, got %d", limit)
			}
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			store, err := jobs.NewStore(conn)
			if err != nil {
				return err
			}
			runs, err := store.List(ctx, jobs.Filter{Job: job, Status: jobs.Status(status), Limit: limit})
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				fmt.Fprintln(a.stdout, "no runs recorded")
				return nil
			}
			printRuns(a.stdout, runs, false)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&job, "job", "", "only this job")
	f.StringVar(&status, "status", "", "only this status: running, succeeded, failed, cancelled, skipped, abandoned")
	f.IntVar(&limit, "limit", 20, "at most this many runs")
	return cmd
}
