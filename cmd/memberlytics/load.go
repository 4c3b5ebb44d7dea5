package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/platform/timefmt"
	"github.com/memberlytics/memberlytics/loaders"
)

func newLoadCmd(a *app) *cobra.Command {
	var kind, format, source, mapSpec, timezone, numberFormat string
	var dateFormats []string
	var maxRejectRatio float64
	var force, dryRun bool
	cmd := &cobra.Command{
		Use:   "load --kind members|orders|events|items|campaigns [--map SRC=col,...] [--date-format F] [--dry-run] [flags] PATH...",
		Short: "Load member, order, event, order item or campaign files (files, directories, globs; .gz, .zst) exactly once",
		Long: `Load files into the raw tables members, orders, events, order_items
(--kind items) or campaign_members (--kind campaigns). Each file is
published all or nothing; a file loaded before (same sha256) is skipped
unless --force. Bad rows go to load_rejects; a file with more than
loaders.max_reject_ratio of them fails (--max-reject-ratio raises it).

A directory gives the files whose names match loaders.directory_globs
(*member*, *order*, *event*, *item*, *campaign* by default). --map names the file's columns
(OrderID=order_id,CustomerID=member_id); --date-format the way its dates
are written (MM/DD/YYYY HH:mm, DD.MM.YYYY, YYYY/MM/DD h:mm AM/PM, or a Go
layout); without one, M/D/YYYY, D/M/YYYY, D.M.YYYY and YYYY/MM/DD are
told from the file. --dry-run shows the mapping, the first parsed rows
and every reject, and loads nothing.

--source NAME takes kind, format, delimiter, column mapping, date
formats, time zone and (when no PATH is given) paths from
loaders.sources.NAME in the config; the flags add to or override it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := a.cfg.Loaders
			o, tz, err := a.loaderOptions(source)
			if err != nil {
				return fmt.Errorf("--source %s: %w", source, err)
			}
			o.Force = force
			if format != "" {
				o.Format = loaders.Format(format)
			}
			paths := args
			glob := ""
			if source != "" {
				s := cfg.Sources[source]
				if kind != "" && kind != s.Kind {
					return fmt.Errorf("--kind %s contradicts source %s (kind %s)", kind, source, s.Kind)
				}
				kind = s.Kind
				if len(paths) == 0 {
					paths = s.Paths
				}
				glob = s.Glob
			}
			k, err := loaders.ParseKind(kind)
			if err != nil {
				return fmt.Errorf("--kind: %w", err)
			}
			o.Kind = k
			if source == "" {
				glob = cfg.DirectoryGlobs[kind]
			}
			if err := loadFlags(cmd, &o, &tz, mapSpec, dateFormats, timezone, numberFormat, maxRejectRatio); err != nil {
				return err
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("time zone %q: %w", tz, err)
			}
			o.Location = loc
			if len(paths) == 0 {
				return errors.New("name at least one file, directory or glob to load")
			}
			files, err := loaders.ExpandPaths(paths, glob)
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return errors.New("no loadable files found (.csv, .ndjson, .parquet, optionally .gz or .zst)")
			}
			if dryRun {
				return a.dryRun(cmd, o, files)
			}
			bar := a.newProgress()
			if bar != nil {
				o.Progress = func(p loaders.Progress) {
					rate := float64(p.Rows) / max(p.Elapsed.Seconds(), 1e-9)
					bar.set(float64(p.BytesRead)/float64(max(p.Bytes, 1)),
						fmt.Sprintf("%s: %d rows, %.1f/%.1f MB, %.0f rows/s", p.Path, p.Rows, float64(p.BytesRead)/1e6, float64(p.Bytes)/1e6, rate))
				}
			}
			defer setGCPercent(cfg.GCPercent, a.getenv)()
			ctx := cmd.Context()
			conn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			l, err := loaders.New(conn, o)
			if err != nil {
				return err
			}
			var loaded, skipped, failed int
			for _, path := range files {
				res, err := l.LoadFile(ctx, path)
				bar.clear()
				if err != nil {
					failed++
					fmt.Fprintf(a.stdout, "%s: FAILED after %.2fs: %v\n", path, res.Duration.Seconds(), err)
					if (strings.Contains(err.Error(), "load_files") || strings.Contains(err.Error(), "load_leases")) && strings.Contains(err.Error(), "exist") {
						fmt.Fprintln(a.stdout, "  (run `memberlytics migrate` first)")
					}
					var rerr *loaders.RejectError
					if errors.As(err, &rerr) {
						fmt.Fprintf(a.stdout, "  (to accept this file, raise the limit: --max-reject-ratio %s, or loaders.max_reject_ratio in the config; --dry-run lists every reject)\n", neededRatio(rerr))
					}
					if ctx.Err() != nil {
						break
					}
					continue
				}
				if res.Skipped {
					skipped++
				} else {
					loaded++
				}
				fmt.Fprintln(a.stdout, summary(res))
			}
			if failed > 0 {
				return fmt.Errorf("load: %d of %d files failed and were not published (%d loaded, %d skipped as loaded before)", failed, len(files), loaded, skipped)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "members, orders, events, items or campaigns (or from --source)")
	f.StringVar(&format, "format", "", "csv, ndjson or parquet (default: from each file's extension)")
	f.BoolVar(&force, "force", false, "load files again even if the ledger says they were loaded")
	f.StringVar(&source, "source", "", "a source named in the config's loaders.sources")
	f.StringVar(&mapSpec, "map", "", "the file's column names: SOURCE=column,... (OrderID=order_id,CustomerID=member_id)")
	f.StringArrayVar(&dateFormats, "date-format", nil, `how dates are written, e.g. "MM/DD/YYYY HH:mm" (YYYY MM DD HH mm ss AM/PM M D, or a Go layout); repeatable`)
	f.StringVar(&timezone, "timezone", "", "IANA zone of timestamps without an offset (default loaders.timezone)")
	f.Float64Var(&maxRejectRatio, "max-reject-ratio", 0, "share of rows that may be refused before a file fails (default loaders.max_reject_ratio)")
	f.StringVar(&numberFormat, "number-format", "", `"1,234.56" or "1.234,56" (default loaders.number_format)`)
	f.BoolVar(&dryRun, "dry-run", false, "show the mapping, the first parsed rows and every reject; load nothing")
	return cmd
}

// loadFlags applies the flags that add to or override the config's
// loader settings.
func loadFlags(cmd *cobra.Command, o *loaders.Options, tz *string, mapSpec string, dateFormats []string, timezone, numberFormat string, maxRejectRatio float64) error {
	if mapSpec != "" {
		m, err := loaders.ParseMapping(o.Kind, mapSpec)
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		merged := loaders.Mapping{}
		for from, to := range o.Mapping {
			merged[from] = to
		}
		for from, to := range m {
			merged[from] = to
		}
		o.Mapping = merged
	}
	for _, f := range dateFormats {
		if _, err := timefmt.Layout(f); err != nil {
			return fmt.Errorf("--date-format: %w", err)
		}
	}
	o.TimestampLayouts = append(append([]string(nil), dateFormats...), o.TimestampLayouts...)
	if timezone != "" {
		if _, err := time.LoadLocation(timezone); err != nil {
			return fmt.Errorf("--timezone %q: want an IANA zone such as UTC or Asia/Shanghai: %w", timezone, err)
		}
		*tz = timezone
	}
	if numberFormat != "" {
		if numberFormat != "1,234.56" && numberFormat != "1.234,56" {
			return fmt.Errorf("--number-format: want \"1,234.56\" or \"1.234,56\", got %q", numberFormat)
		}
		o.NumberFormat = numberFormat
	}
	if cmd.Flags().Changed("max-reject-ratio") {
		if !(maxRejectRatio >= 0 && maxRejectRatio <= 1) {
			return fmt.Errorf("--max-reject-ratio: want a share between 0 and 1 (0.05 for 5%%), got %v", maxRejectRatio)
		}
		o.MaxRejectRatio = maxRejectRatio
	}
	return nil
}

// neededRatio is the smallest two-decimal ratio that would accept the
// file's rejects.
func neededRatio(e *loaders.RejectError) string {
	share := float64(e.Rejected) / float64(max(1, e.Rows+e.Rejected))
	return strconv.FormatFloat(math.Ceil(share*100)/100, 'f', -1, 64)
}

// dryRun checks every file as a load would and prints what it would do;
// it connects to nothing. It fails when a file would fail.
func (a *app) dryRun(cmd *cobra.Command, o loaders.Options, files []string) error {
	l, err := loaders.New(nil, o)
	if err != nil {
		return err
	}
	failed := 0
	for _, path := range files {
		p, err := l.DryRun(cmd.Context(), path, 5)
		if err != nil {
			failed++
			fmt.Fprintf(a.stdout, "%s: would FAIL: %v\n", path, err)
			continue
		}
		printPreview(a.stdout, p, o.MaxRejectRatio)
		if p.OverLimit {
			failed++
		}
	}
	fmt.Fprintln(a.stdout, "dry run: nothing was loaded")
	if failed > 0 {
		return fmt.Errorf("load --dry-run: %d of %d files would fail", failed, len(files))
	}
	return nil
}

func printPreview(w io.Writer, p loaders.Preview, limit float64) {
	total := p.Rows + p.Rejected
	fmt.Fprintf(w, "%s (%s): would load %d rows, reject %d", p.Path, p.Format, p.Rows, p.Rejected)
	if p.Rejected > 0 {
		verdict := "within"
		if p.OverLimit {
			verdict = "over; the file would fail"
		}
		fmt.Fprintf(w, " (%.2f%%, %s the limit of %.2f%%)", 100*float64(p.Rejected)/float64(max(1, total)), verdict, 100*limit)
	}
	fmt.Fprintln(w)
	var mapped, absent []string
	var shown []int
	for i, c := range p.Columns {
		switch src := p.Sources[i]; {
		case src == "":
			absent = append(absent, c)
		case src == c:
			mapped = append(mapped, c)
			shown = append(shown, i)
		default:
			mapped = append(mapped, c+" <- "+src)
			shown = append(shown, i)
		}
	}
	fmt.Fprintf(w, "  columns: %s\n", strings.Join(mapped, ", "))
	if len(absent) > 0 {
		fmt.Fprintf(w, "  not in the file (defaults): %s\n", strings.Join(absent, ", "))
	}
	if len(p.Ignored) > 0 {
		fmt.Fprintf(w, "  ignored (no such column; use --map): %s\n", strings.Join(p.Ignored, ", "))
	}
	if p.DateStyle != "" {
		fmt.Fprintf(w, "  dates: %s (told from the file)\n", p.DateStyle)
	}
	if len(p.First) > 0 {
		fmt.Fprintf(w, "  first %d rows (timestamps in UTC):\n", len(p.First))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		var b strings.Builder
		for _, i := range shown {
			b.WriteString("\t" + p.Columns[i])
		}
		fmt.Fprintln(tw, "   "+b.String())
		for _, row := range p.First {
			b.Reset()
			for _, i := range shown {
				b.WriteString("\t" + row[i])
			}
			fmt.Fprintln(tw, "   "+b.String())
		}
		tw.Flush()
	}
	if len(p.Rejects) == 0 {
		return
	}
	fmt.Fprintln(w, "  rejects:")
	const listed = 20
	for i, r := range p.Rejects {
		if i == listed {
			fmt.Fprintf(w, "    ... and %d more\n", p.Rejected-listed)
			break
		}
		fmt.Fprintf(w, "    %s\n", r.String(p.Path))
	}
	if len(p.Rejects) <= listed {
		return
	}
	// Every reason, with how many rows it refused and the first line.
	type reason struct {
		column, text string
		first, n     int64
	}
	var reasons []*reason
	by := map[[2]string]*reason{}
	for _, r := range p.Rejects {
		k := [2]string{r.Column, r.Reason}
		if by[k] == nil {
			by[k] = &reason{column: r.Column, text: r.Reason, first: r.Line}
			reasons = append(reasons, by[k])
		}
		by[k].n++
	}
	fmt.Fprintln(w, "  reject reasons:")
	for _, r := range reasons {
		col := r.column
		if col == "" {
			col = "row"
		}
		fmt.Fprintf(w, "    %d rows: %s: %s (first at line %d)\n", r.n, col, r.text, r.first)
	}
}

// summary is the one line printed per file.
func summary(r loaders.Result) string {
	switch {
	case r.Skipped:
		return fmt.Sprintf("%s: already loaded at %s (%d rows, file_id %s); skipped, use --force to load again",
			r.Path, r.LoadedAt.UTC().Format("2006-01-02 15:04:05 UTC"), r.Rows, r.FileID)
	case r.Recovered:
		return fmt.Sprintf("%s: an earlier interrupted load had published %d rows; recorded it (file_id %s)", r.Path, r.Rows, r.FileID)
	}
	secs := r.Duration.Seconds()
	s := fmt.Sprintf("%s: %d rows loaded, %d rejected, %.2fs, %.0f rows/s (file_id %s)",
		r.Path, r.Rows, r.Rejected, secs, float64(r.Rows)/max(secs, 1e-9), r.FileID)
	if r.BirthdaysNulled > 0 {
		s += fmt.Sprintf("; %d birthdays outside ClickHouse's Date range (before 1970) NULL in birthday, kept in birth_date", r.BirthdaysNulled)
	}
	if r.UnknownOrders > 0 {
		s += fmt.Sprintf("; %d items of orders not in orders (loaded; member_id from the file or empty: load their orders first, or check the jobs' order_items_unknown_order)", r.UnknownOrders)
	}
	if r.Rejected > 0 {
		s += "; see load_rejects"
	}
	return s
}

// setGCPercent sets the garbage collector's GOGC to percent for a load,
// unless the GOGC environment variable (read with getenv) is set, and a
// soft memory limit of loadMemoryLimit, unless GOMEMLIMIT is set; it
// returns the function that restores the previous values. A high GOGC
// saves collections; the limit makes the collector work harder only when
// the heap nears it, which keeps a load's peak RSS under about 256 MiB.
func setGCPercent(percent int, getenv func(string) string) (restore func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(percent)
	}
	if getenv("GOMEMLIMIT") == "" {
		oldLimit = debug.SetMemoryLimit(loadMemoryLimit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}

// loadMemoryLimit is the Go heap's soft limit during a load: a batch's
// two blocks and the driver's buffers stay well under it.
const loadMemoryLimit = 192 << 20
