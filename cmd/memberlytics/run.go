package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/jobs"
)

func newRunCmd(a *app) *cobra.Command {
	var (
		asOf       string
		allowEmpty bool
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "run JOB|PIPELINE|all [JOB...] [--as-of D] [--allow-empty] [--json]",
		Short: "Run jobs for an as_of date through the job runner (loads, checks, models, export)",
		Long: "Run jobs for an as_of date (inclusive, business time zone) through the same\n" +
			"runner as the scheduler: retries for transient failures, the per-job timeout\n" +
			"and the run history in job_runs. `all` runs every job in dependency order\n" +
			"(load_<source> -> checks -> models -> export); a pipeline runs its\n" +
			"jobs and what they depend on; named jobs run alone, in dependency order, and\n" +
			"read their dependencies' existing output. A job after a failed one is\n" +
			"skipped. Re-running an as_of replaces its output. `memberlytics runs` lists\n" +
			"the history.\n\n" +
			"The as_of must lie within the loaded data (first to newest paid order or\n" +
			"event, not in the future), checked after the run's load jobs; the default,\n" +
			"yesterday, too. --allow-empty runs a date outside the data deliberately.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := a.parseAsOf(asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			env, err := a.newJobs(ctx)
			if err != nil {
				return err
			}
			defer env.conn.Close()
			req := jobs.Request{Target: args[0], AsOf: day, Trigger: jobs.TriggerManual, AllowEmpty: allowEmpty, DefaultAsOf: asOf == ""}
			if len(args) > 1 {
				for _, name := range args {
					if _, ok := env.graph.Job(name); !ok {
						return fmt.Errorf("run %s: %w (jobs: %s)", name, jobs.ErrUnknownJob, strings.Join(env.graph.Jobs(), ", "))
					}
				}
				req.Target, req.Only = jobs.All, args
			} else if !env.graph.Has(args[0]) {
				return fmt.Errorf("run %s: %w (jobs: %s; pipelines: %s; or all)", args[0], jobs.ErrUnknownJob,
					strings.Join(env.graph.Jobs(), ", "), strings.Join(env.graph.Pipelines(), ", "))
			}
			if err := a.requireMigrated(ctx, env.conn); err != nil {
				return err
			}
			if err := env.runner.CheckAsOf(ctx, req); err != nil {
				return asOfHint(err)
			}
			if _, err := env.runner.RecoverAbandoned(ctx); err != nil {
				return err
			}
			var stopBar func()
			req.Progress, stopBar = jobsProgress(a.newProgress())
			runs, err := env.runner.Run(ctx, req)
			stopBar()
			if asJSON {
				if runs == nil {
					runs = []jobs.Run{}
				}
				if jerr := printJSON(a.stdout, runs); jerr != nil {
					return jerr
				}
			} else {
				printRuns(a.stdout, runs, true)
			}
			if err != nil {
				return asOfHint(err)
			}
			return runsOutcome(runs, day.Format(asof.Layout))
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "as_of date YYYY-MM-DD, today or yesterday (default: yesterday in business_timezone)")
	cmd.Flags().BoolVar(&allowEmpty, "allow-empty", false, "run an as_of outside the loaded data (never outside ClickHouse's dates)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the runs made as a JSON array (the shape of memberlytics runs --json)")
	long := cmd.Long
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		c.Long = long + "\n\n" + a.jobList(c)
		c.Root().HelpFunc()(c, args)
	})
	return cmd
}

// jobList names the jobs and pipelines the configuration makes, for help.
func (a *app) jobList(c *cobra.Command) string {
	if err := a.init(c); err != nil {
		return "Jobs: unknown (" + err.Error() + ")"
	}
	env, err := a.buildJobs(nil)
	if err != nil {
		return "Jobs: unknown (" + err.Error() + ")"
	}
	return "Jobs (in dependency order): " + strings.Join(env.graph.Jobs(), ", ") +
		"\nPipelines: " + strings.Join(append(env.graph.Pipelines(), jobs.All+" (every job)"), ", ")
}

// runsOutcome is nil when every run succeeded, else an error counting the others.
func runsOutcome(runs []jobs.Run, what string) error {
	bad := 0
	for _, r := range runs {
		if r.Status != jobs.StatusSucceeded {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%s: %d of %d jobs did not succeed (see the error column; memberlytics runs shows the history)", what, bad, len(runs))
	}
	return nil
}
