package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/models"
)

func newRunCmd(a *app) *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:   "run MODEL|all [MODEL...]",
		Short: "Run models for an as_of date, in dependency order (idempotent per as_of)",
		Long: "Run models for an as_of date (inclusive, business time zone). `all` runs every\n" +
			"model; named models run in dependency order and read their dependencies'\n" +
			"existing output for that as_of. Re-running an as_of replaces its output.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg, err := newModelRegistry(a.cfg)
			if err != nil {
				return err
			}
			if asOf == "" {
				// Default: yesterday, the last complete business day.
				asOf = time.Now().In(a.cfg.Location()).AddDate(0, 0, -1).Format(models.DateLayout)
			}
			day, err := models.ParseAsOf(asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			names := args
			if len(args) == 1 && args[0] == "all" {
				names = nil
			}
			if _, err := reg.Ordered(names...); err != nil {
				return err
			}
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			env := models.Env{Conn: conn, Location: a.cfg.Location(), RunID: models.NewRunID(time.Now()), Log: a.log}
			res, err := models.RunAll(ctx, reg, env, names, day)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODEL\tSECONDS\tROWS")
			for _, r := range res {
				var rows []string
				for t, n := range r.Result.Rows {
					rows = append(rows, fmt.Sprintf("%s=%d", t, n))
				}
				fmt.Fprintf(tw, "%s\t%.2f\t%s\n", r.Model, r.Duration.Seconds(), strings.Join(rows, " "))
			}
			_ = tw.Flush()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "as_of %s run_id %s: %d models\n", day.Format(models.DateLayout), env.RunID, len(res))
			return nil
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "as_of date YYYY-MM-DD (default: yesterday in business_timezone)")
	return cmd
}
