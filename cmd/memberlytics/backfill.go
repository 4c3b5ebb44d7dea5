package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/jobs"
)

func newBackfillCmd(a *app) *cobra.Command {
	var from, to, step, reprocess string
	var dryRun, allowEmpty bool
	cmd := &cobra.Command{
		Use:   "backfill JOB|PIPELINE|all --from D1 --to D2 [--step day|week|month] [--reprocess failed|all|none] [--dry-run] [--allow-empty]",
		Short: "Run a job or pipeline for every date in a range, one date at a time",
		Long: "Run a target for each as_of from --from to --to (inclusive), --step apart,\n" +
			"through the same runner as every other trigger (trigger backfill). Jobs that\n" +
			"never ran for a date always run; --reprocess failed (default) also re-runs\n" +
			"those whose latest run did not succeed (failed, cancelled, abandoned,\n" +
			"skipped), all re-runs everything, none nothing. Jobs after a re-run job run\n" +
			"again too. Only a finished success is ALREADY_DONE; a job still running\n" +
			"(fresh heartbeat) and the jobs after it are NOT_RUN (running), so are\n" +
			"failures --reprocess none leaves (left). Runs whose lease expired are first\n" +
			"marked abandoned, also with --dry-run, which prints the plan. Every date\n" +
			"must lie within the loaded data unless --allow-empty (see run).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if from == "" || to == "" {
				return fmt.Errorf("--from and --to are required")
			}
			f, err := asof.Parse(from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			t, err := asof.Parse(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if _, err := jobs.Dates(f, t, jobs.Step(step)); err != nil {
				return err
			}
			switch jobs.Reprocess(reprocess) {
			case jobs.ReprocessFailed, jobs.ReprocessAll, jobs.ReprocessNone:
			default:
				return fmt.Errorf("--reprocess must be failed, all or none, got %q", reprocess)
			}
			env, err := a.newJobs(ctx)
			if err != nil {
				return err
			}
			defer env.conn.Close()
			if !env.graph.Has(args[0]) {
				return fmt.Errorf("backfill %s: %w (jobs: %s; pipelines: %s; or all)", args[0], jobs.ErrUnknownJob,
					strings.Join(env.graph.Jobs(), ", "), strings.Join(env.graph.Pipelines(), ", "))
			}
			if err := a.requireMigrated(ctx, env.conn); err != nil {
				return err
			}
			if _, err := env.runner.RecoverAbandoned(ctx); err != nil {
				return err
			}
			res, err := env.runner.Backfill(ctx, jobs.BackfillOptions{
				Target: args[0], From: f, To: t, Step: jobs.Step(step), Reprocess: jobs.Reprocess(reprocess), DryRun: dryRun,
				AllowEmpty: allowEmpty,
			})
			err = rangeHint(err)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AS_OF\tRUN\tALREADY_DONE\tNOT_RUN\tOUTCOME")
			var all []jobs.Run
			for _, d := range res {
				outcome := "nothing to do"
				switch {
				case dryRun && len(d.Jobs) > 0:
					outcome = "would run"
				case len(d.Runs) > 0:
					counts := map[jobs.Status]int{}
					for _, r := range d.Runs {
						counts[r.Status]++
					}
					var parts []string
					for _, st := range []jobs.Status{jobs.StatusSucceeded, jobs.StatusFailed, jobs.StatusSkipped, jobs.StatusCancelled} {
						if counts[st] > 0 {
							parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
						}
					}
					outcome = strings.Join(parts, ", ")
				}
				all = append(all, d.Runs...)
				var notRun []string
				for _, j := range d.Running {
					notRun = append(notRun, j+" (running)")
				}
				for _, j := range d.Left {
					notRun = append(notRun, j+" (left)")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.AsOf.Format(asof.Layout), dash(d.Jobs), dash(d.Done), dash(notRun), outcome)
			}
			_ = tw.Flush()
			if err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintln(a.stdout, "dry run: nothing was run")
				return nil
			}
			return runsOutcome(all, "backfill "+args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first as_of date, YYYY-MM-DD")
	fl.StringVar(&to, "to", "", "last as_of date, YYYY-MM-DD (inclusive)")
	fl.StringVar(&step, "step", "day", "day, week or month")
	fl.StringVar(&reprocess, "reprocess", "failed", "re-run dates whose latest run is: failed (failed, cancelled, abandoned), all, or none")
	fl.BoolVar(&dryRun, "dry-run", false, "print what would run, run nothing")
	fl.BoolVar(&allowEmpty, "allow-empty", false, "run dates outside the loaded data (never outside ClickHouse's dates)")
	return cmd
}

func dash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
