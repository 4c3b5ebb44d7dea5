package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/report"
)

func newReportCmd(a *app) *cobra.Command {
	var (
		asOf, out, lang string
		allowEmpty      bool
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the HTML report of one as_of: one self-contained file that works offline",
		Long: "Reads the model output tables for --as-of (default: the newest as_of any model wrote)\n" +
			"and the previous as_of, and writes one HTML file with the KPIs, RFM, cohorts, CLV,\n" +
			"churn, tiers, lifecycle and high-potential sections. A model that has not run for\n" +
			"the as_of is named in a notice instead of failing the report. The as_of (also\n" +
			"the default) must lie within the loaded data unless --allow-empty.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if lang == "" {
				lang = a.cfg.Report.Lang
			}
			l, err := report.ParseLang(lang)
			if err != nil {
				return fmt.Errorf("--lang: %w", err)
			}
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			var day time.Time
			if asOf != "" {
				if day, err = asof.Parse(asOf); err != nil {
					return fmt.Errorf("--as-of: %w", err)
				}
				if err := a.checkAsOf(ctx, conn, day, allowEmpty); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			} else {
				latest, ok, err := report.LatestAsOf(ctx, conn)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("no complete snapshot: no date has every model's output yet (memberlytics dates shows what each date has): run memberlytics run all --as-of D first, or pass --as-of")
				}
				day = latest
				if err := a.checkAsOf(ctx, conn, day, allowEmpty); err != nil {
					return fmt.Errorf("report: the newest published date, %s, is outside the data (remove it with memberlytics drop --as-of %s): %w",
						day.Format(asof.Layout), day.Format(asof.Layout), err)
				}
			}
			sections := reportSections(a.models)
			r, err := report.Load(ctx, conn, day, sections...)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := report.Render(&buf, r, report.Options{Lang: l, Currency: a.cfg.Report.Currency}); err != nil {
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			for _, m := range r.Missing() {
				a.log.Warn("model output missing from the report", "model", m.Model, "table", m.Table, "reason", string(m.Reason))
			}
			fmt.Fprintf(a.stdout, "report for %s written to %s (%d bytes, %d model outputs missing)\n",
				day.Format(asof.Layout), out, buf.Len(), len(r.Missing()))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "as_of date YYYY-MM-DD (default: the newest complete snapshot)")
	f.StringVar(&out, "out", "report.html", "HTML file to write")
	f.StringVar(&lang, "lang", "", "label language, en or zh (default report.lang)")
	f.BoolVar(&allowEmpty, "allow-empty", false, "report an as_of outside the loaded data")
	return cmd
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it, so a reader never sees half a report.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
