package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/loaders"
	"github.com/memberlytics/memberlytics/models"
)

func newCleanCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "clean [--dry-run]",
		Short: "Drop stage and scratch tables left by crashed loads and model runs, and mark their stuck load attempts abandoned",
		Long: `clean sweeps the work database (<clickhouse.database>_work): it drops the
loaders' staging tables whose load no longer holds its file's lease, marks
'abandoned' the load_files attempts still 'loading' past their lease, and
drops the models' stage and scratch tables whose lease (6h) has passed.
Tables of loads and model runs in progress are never touched, so clean is
safe while serve runs. Every load and model run does the same on its own;
clean is for a database nothing has run against since a crash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			drop, mark := "dropped", "marked abandoned"
			if dryRun {
				drop, mark = "would drop", "would mark abandoned"
			}
			swept, err := loaders.Sweep(ctx, conn, loaders.SweepOptions{DryRun: dryRun, Logger: a.log})
			for _, t := range swept.Dropped {
				fmt.Fprintf(a.stdout, "%s load stage %s\n", drop, t)
			}
			for _, at := range swept.Abandoned {
				fmt.Fprintf(a.stdout, "%s load attempt %s\n", mark, at)
			}
			if err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			work, err := models.SweepWork(ctx, conn, models.SweepOptions{DryRun: dryRun, Logger: a.log})
			for _, t := range work {
				fmt.Fprintf(a.stdout, "%s model work table %s\n", drop, t)
			}
			if err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			if len(swept.Dropped)+len(swept.Abandoned)+len(work) == 0 {
				fmt.Fprintln(a.stdout, "nothing to clean")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be dropped and marked, change nothing")
	return cmd
}
