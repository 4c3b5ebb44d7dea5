package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/models"
)

func newDatesCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "dates [--json]",
		Short: "List every as_of in the model outputs, with each model's output and the run that wrote it",
		Long: "List every as_of present in a model output table (or in model_metrics or\n" +
			"model_params), oldest first. Per model: rows for the as_of and the run_id\n" +
			"that wrote them, or - when it has none. Two run ids for one model mean\n" +
			"its tables come from different runs. Remove a date with memberlytics drop.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			reg := a.models
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			dates, err := models.Dates(ctx, conn, reg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(dates)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AS_OF\tPUBLISHED\tMODEL\tROWS\tRUN_ID")
			for _, d := range dates {
				published := "no"
				if d.Published {
					published = "yes"
				}
				for _, m := range d.Models {
					rows, runs := "-", "-"
					if m.Exists || m.Recorded {
						rows = fmt.Sprint(m.Rows)
					}
					if len(m.RunIDs) > 0 {
						runs = strings.Join(m.RunIDs, ",")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.AsOf, published, m.Model, rows, runs)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: [{as_of, published, models: [{model, exists, rows, run_ids, recorded}]}]")
	return cmd
}

func newDropCmd(a *app) *cobra.Command {
	var (
		asOf       string
		only       []string
		withExport bool
	)
	cmd := &cobra.Command{
		Use:   "drop --as-of D [--models m1,m2] [--exports]",
		Short: "Remove one as_of's model outputs everywhere (and, with --exports, its export folder)",
		Long: "Remove the as_of partition of every model output table (on every shard in\n" +
			"cluster mode) and the models' rows in model_metrics and model_params;\n" +
			"--models limits it to those models; --exports also deletes\n" +
			"exports.dir/as_of=D. The _latest views then show the previous as_of.\n" +
			"Prints what it removed. Running it again removes nothing more.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if asOf == "" {
				return fmt.Errorf("--as-of is required (YYYY-MM-DD)")
			}
			day, err := asof.Parse(asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			reg := a.models
			for _, m := range only {
				if _, ok := reg.Get(m); !ok {
					return fmt.Errorf("--models: %w: %s (models: %s)", models.ErrUnknown, m, strings.Join(reg.Names(), ", "))
				}
			}
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := a.requireMigrated(ctx, conn); err != nil {
				return err
			}
			dropped, err := models.Drop(ctx, conn, reg, day, only)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			var total uint64
			for _, d := range dropped {
				total += d.Rows
				fmt.Fprintf(tw, "%s\t%d rows\t(model %s)\n", d.Table, d.Rows, d.Model)
			}
			_ = tw.Flush()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "dropped as_of %s: %d rows from %d tables\n", day.Format(asof.Layout), total, len(dropped))
			if withExport {
				dir, err := exporters.ResolveDir(a.cfg.Exports.Dir, "")
				if err != nil {
					return err
				}
				removed, err := exporters.Remove(dir, day)
				if err != nil {
					return fmt.Errorf("drop export: %w", err)
				}
				if removed {
					fmt.Fprintf(a.stdout, "removed export folder %s/as_of=%s\n", dir, day.Format(asof.Layout))
				} else {
					fmt.Fprintf(a.stdout, "no export folder for as_of %s in %s\n", day.Format(asof.Layout), dir)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "as_of date to remove, YYYY-MM-DD (required)")
	f.StringSliceVar(&only, "models", nil, "only these models' outputs (default every model)")
	f.BoolVar(&withExport, "exports", false, "also delete the export folder exports.dir/as_of=D")
	return cmd
}
