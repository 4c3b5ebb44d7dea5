package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
)

func newEvaluateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Back-test a model on a calibration and a holdout period",
	}
	var calEnd, holdEnd string
	clvCmd := &cobra.Command{
		Use:   "clv",
		Short: "Fit clv on data up to --calibration-end and compare predicted with actual purchases up to --holdout-end",
		Long: "Fits BG/NBD and Gamma-Gamma on paid orders up to the calibration end (inclusive,\n" +
			"business time zone), predicts each member's purchase days in the holdout and compares\n" +
			"them with the actual ones, in total and by calibration frequency. The figures go to\n" +
			"model_metrics (model clv_evaluation, as_of = calibration end) and are printed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cal, err := asof.Parse(calEnd)
			if err != nil {
				return fmt.Errorf("--calibration-end: %w", err)
			}
			hold, err := asof.Parse(holdEnd)
			if err != nil {
				return fmt.Errorf("--holdout-end: %w", err)
			}
			if !hold.After(cal) {
				return fmt.Errorf("--holdout-end %s must be after --calibration-end %s", holdEnd, calEnd)
			}
			m, err := clv.FromConfig(a.cfg.Models.CLV)
			if err != nil {
				return err
			}
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			env := models.Env{Conn: conn, Location: a.cfg.Location(), RunID: models.NewRunID(time.Now()), Log: a.log}
			ev, err := m.Evaluate(ctx, env, cal, hold)
			if err != nil {
				return err
			}
			p := ev.Fit.Params()
			fmt.Fprintf(a.stdout, "clv calibration to %s, holdout %d days to %s, %d members\n",
				calEnd, ev.HoldoutDays, holdEnd, ev.Members)
			fmt.Fprintf(a.stdout, "BG/NBD r=%.4g alpha=%.4g a=%.4g b=%.4g (per %s); Gamma-Gamma p=%.4g q=%.4g v=%.4g\n",
				p["r"], p["alpha"], p["a"], p["b"], m.Unit(), p["p"], p["q"], p["v"])
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "CALIBRATION REPEATS\tMEMBERS\tPREDICTED\tACTUAL\t")
			for _, b := range ev.Buckets {
				fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t\n", b.Label, b.Members, b.Predicted, b.Actual)
			}
			fmt.Fprintf(tw, "total\t%d\t%.1f\t%.1f\t\n", ev.Members, ev.PredictedTotal, ev.ActualTotal)
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "mean absolute error: %.4f per member, %.4f per frequency bucket (purchase days in the holdout)\n", ev.MAE, ev.BucketMAE)
			fmt.Fprintf(a.stdout, "value per purchase day over %d members with holdout purchases: predicted %.2f, actual %.2f, mean absolute error %.2f\n",
				ev.SpendMembers, ev.SpendPredicted, ev.SpendActual, ev.SpendMAE)
			tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "PREDICTED REVENUE DECILE\tMEMBERS\tPREDICTED\tACTUAL\t")
			for _, d := range ev.Deciles {
				fmt.Fprintf(tw, "%d\t%d\t%.2f\t%.2f\t\n", d.Decile, d.Members, d.Predicted, d.Actual)
			}
			fmt.Fprintf(tw, "total revenue\t%d\t%.0f\t%.0f\t\n", ev.Members, ev.PredictedRevenue, ev.ActualRevenue)
			return tw.Flush()
		},
	}
	clvCmd.Flags().StringVar(&calEnd, "calibration-end", "", "last day of the calibration period, YYYY-MM-DD (required)")
	clvCmd.Flags().StringVar(&holdEnd, "holdout-end", "", "last day of the holdout period, YYYY-MM-DD (required)")
	_ = clvCmd.MarkFlagRequired("calibration-end")
	_ = clvCmd.MarkFlagRequired("holdout-end")
	cmd.AddCommand(clvCmd)
	return cmd
}
