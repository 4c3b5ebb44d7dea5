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
		Long: "List job runs from the run history (job_runs), newest first. Runs left\n" +
			"running whose lease expired (no heartbeat: their process or ClickHouse\n" +
			"connection is gone) are first marked abandoned (the webhook is told).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1, got %d", limit)
			}
			env, err := a.newJobs(ctx)
			if err != nil {
				return err
			}
			defer env.conn.Close()
			// Dead runs (lease expired, process gone) are shown as such.
			if _, err := env.runner.RecoverAbandoned(ctx); err != nil {
				a.log.Warn("mark dead runs abandoned", "err", err)
			}
			runs, err := env.store.List(ctx, jobs.Filter{Job: job, Status: jobs.Status(status), Limit: limit})
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
