package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/jobs"
)

func newRunsCmd(a *app) *cobra.Command {
	var job, status string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs [--job J] [--status S] [--limit N] [--json] | runs show RUN_ID",
		Short: "List job runs from the run history (job_runs), newest first",
		Long: "List job runs from the run history (job_runs), newest first, with each\n" +
			"error's first line; `runs show RUN_ID` prints one run whole (full error,\n" +
			"every check). Runs left running whose lease expired (no heartbeat: their\n" +
			"process or ClickHouse connection is gone) are first marked abandoned (the\n" +
			"webhook is told).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if limit < 1 {
				return fmt.Errorf("--limit must be at least 1, got %d", limit)
			}
			if status != "" && !jobs.Status(status).Valid() {
				return fmt.Errorf("--status: unknown status %q (statuses: %s)", status, statusNames())
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
			if asJSON {
				if runs == nil {
					runs = []jobs.Run{}
				}
				return printJSON(a.stdout, runs)
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
	f.StringVar(&status, "status", "", "only this status: "+statusNames())
	f.IntVar(&limit, "limit", 20, "at most this many runs")
	f.BoolVar(&asJSON, "json", false, "print a JSON array of runs (the objects of GET /api/runs)")
	cmd.AddCommand(newRunsShowCmd(a))
	return cmd
}

func newRunsShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show RUN_ID [--json]",
		Short: "Print one run whole: every field, the full error and every check",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			env, err := a.newJobs(ctx)
			if err != nil {
				return err
			}
			defer env.conn.Close()
			r, ok, err := env.store.Get(ctx, args[0])
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("runs show: no run %q (memberlytics runs lists run ids)", args[0])
			}
			if asJSON {
				return printJSON(a.stdout, r)
			}
			printRun(a.stdout, r)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run as a JSON object (the object of GET /api/runs/{id})")
	return cmd
}
