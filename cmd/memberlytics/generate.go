package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
)

// newGenerateCmd returns the generate command, which writes synthetic
// members, orders and events files plus truth.json (see internal/devtools/datagen).
func newGenerateCmd() *cobra.Command {
	o := datagen.DefaultOptions()
	var format, start, end string
	cmd := &cobra.Command{
		Use:   "generate --members N --seed S --out DIR [--format csv|ndjson|parquet] [--start D --end D]",
		Short: "Write synthetic members, orders and events whose behaviour follows known models",
		Long: `Generate writes members.<ext>, orders.<ext>, events.<ext>, items.<ext> (order lines),
campaigns.<ext> (campaign assignments) and truth.json into --out.

Members buy by a BG/NBD process and spend by a Gamma-Gamma process (defaults
near the CDNOW fits, amounts in CNY), with weekly and yearly seasonality, a few
refunds and cancellations, and events whose intensity follows each member's
activity. truth.json records every parameter, the counts and aggregate checks.
The same flags give byte-identical files.

--start and --end take a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time;
the window is [start, end). Without them the window is the two years before
` + datagen.DefaultEnd.Format(time.DateOnly) + `; with only --end it is the two years before --end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Format, err = datagen.ParseFormat(format); err != nil {
				return err
			}
			if end != "" {
				if o.End, err = parseTimeFlag("end", end); err != nil {
					return err
				}
				o.Start = o.End.AddDate(-2, 0, 0)
			}
			if start != "" {
				if o.Start, err = parseTimeFlag("start", start); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			sum, err := datagen.Generate(ctx, o)
			if err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			w := cmd.OutOrStdout()
			var rows int64
			for _, f := range sum.Files {
				rows += f.Rows
				fmt.Fprintf(w, "%s: %d rows, %d bytes, %.2fs writing\n", f.Path, f.Rows, f.Bytes, f.WriteTime.Seconds())
			}
			c := sum.Truth.Counts
			fmt.Fprintf(w, "%s: %d members (%d prospects), %d paid + %d refunded + %d cancelled orders, %d events; %d rows in %.2fs (%.0f rows/s)\n",
				sum.TruthPath, c.Members, c.Prospects, c.PaidOrders, c.RefundedOrders, c.CancelledOrders, c.Events,
				rows, sum.Elapsed.Seconds(), float64(rows)/sum.Elapsed.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Members, "members", o.Members, "number of members")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed; the same seed gives the same files")
	f.StringVarP(&o.OutDir, "out", "o", o.OutDir, "output directory (created if missing)")
	f.StringVar(&format, "format", string(o.Format), "file format: csv, ndjson or parquet")
	f.StringVar(&start, "start", "", "start of the window (default: two years before --end)")
	f.StringVar(&end, "end", "", "end of the window, exclusive (default "+datagen.DefaultEnd.Format(time.DateOnly)+")")
	f.IntVar(&o.Workers, "workers", 0, "generating goroutines (default GOMAXPROCS; the output does not depend on it)")
	f.Float64Var(&o.ProspectShare, "prospect-share", o.ProspectShare, "share of members who never order")
	f.Float64Var(&o.Events.Scale, "events-scale", o.Events.Scale, "multiplier of event rates; 0 writes an empty events file")
	f.Float64Var(&o.Purchase.B, "bgnbd-b", o.Purchase.B, "BG/NBD dropout Beta(a, b) parameter b; larger b means members drop out later (mean dropout probability a/(a+b), a=0.8)")
	f.Float64Var(&o.Campaigns.OpenProb, "campaign-open-prob", o.Campaigns.OpenProb, "chance that a treatment member of campaign C0 or C1 opens it (a campaign_open with its id, within 2 days of assignment; control members never do)")
	f.Float64Var(&o.PurchaseRateScale, "purchase-rate-scale", 1, "multiplier of every member's BG/NBD purchase rate (bgnbd.alpha divided by it, recorded in truth.json); with --bgnbd-b 19.2, 10 gives about 10 orders per member")
	return cmd
}

// parseTimeFlag parses a date (midnight UTC) or an RFC 3339 time.
func parseTimeFlag(name, s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want YYYY-MM-DD or an RFC 3339 time", name, s)
	}
	return t.UTC(), nil
}
