package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/loaders"
)

func newLoadCmd(a *app) *cobra.Command {
	var kind, format, source string
	var force bool
	cmd := &cobra.Command{
		Use:   "load --kind members|orders|events [--format csv|ndjson|parquet] [--force] [--source NAME] PATH...",
		Short: "Load member, order or event files (files, directories, globs; .gz, .zst) exactly once",
		Long: `Load files into the raw tables members, orders or events. Each file is
published all or nothing; a file loaded before (same sha256) is skipped
unless --force. Bad rows go to load_rejects; a file with more than
loaders.max_reject_ratio of them fails. --source NAME takes kind, format,
delimiter, column mapping, timestamp layouts, time zone and (when no PATH
is given) paths from loaders.sources.NAME in the config.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := a.cfg.Loaders
			o := loaders.Options{
				Format: loaders.Format(format), Force: force, Logger: a.log,
				BatchRows: cfg.BatchRows, MaxRejectRatio: cfg.MaxRejectRatio,
			}
			tz := cfg.Timezone
			paths := args
			if source != "" {
				s, ok := cfg.Sources[source]
				if !ok {
					names := make([]string, 0, len(cfg.Sources))
					for n := range cfg.Sources {
						names = append(names, n)
					}
					sort.Strings(names)
					return fmt.Errorf("--source %s: no such source in loaders.sources (have: %s)", source, strings.Join(names, ", "))
				}
				if kind != "" && kind != s.Kind {
					return fmt.Errorf("--kind %s contradicts source %s (kind %s)", kind, source, s.Kind)
				}
				kind = s.Kind
				if format == "" {
					o.Format = loaders.Format(s.Format)
				}
				if s.Delimiter != "" {
					o.Delimiter = []rune(s.Delimiter)[0]
				}
				o.Mapping, o.TimestampLayouts, o.Source = s.Columns, s.TimestampLayouts, source
				if s.Timezone != "" {
					tz = s.Timezone
				}
				if len(paths) == 0 {
					paths = s.Paths
				}
			}
			k, err := loaders.ParseKind(kind)
			if err != nil {
				return fmt.Errorf("--kind: %w", err)
			}
			o.Kind = k
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("time zone %q: %w", tz, err)
			}
			o.Location = loc
			if len(paths) == 0 {
				return errors.New("name at least one file, directory or glob to load")
			}
			files, err := loaders.ExpandPaths(paths)
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return errors.New("no loadable files found (.csv, .ndjson, .parquet, optionally .gz or .zst)")
			}
			if f, ok := a.stderr.(*os.File); ok && isTerminal(f) {
				o.Progress = func(p loaders.Progress) {
					rate := float64(p.Rows) / max(p.Elapsed.Seconds(), 1e-9)
					fmt.Fprintf(a.stderr, "\r\033[K%s: %d rows, %.1f/%.1f MB, %.0f rows/s", p.Path, p.Rows, float64(p.BytesRead)/1e6, float64(p.Bytes)/1e6, rate)
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
			failed := 0
			for _, path := range files {
				res, err := l.LoadFile(ctx, path)
				if o.Progress != nil {
					fmt.Fprint(a.stderr, "\r\033[K")
				}
				if err != nil {
					failed++
					fmt.Fprintf(a.stdout, "%s: FAILED after %.2fs: %v\n", path, res.Duration.Seconds(), err)
					if (strings.Contains(err.Error(), "load_files") || strings.Contains(err.Error(), "load_leases")) && strings.Contains(err.Error(), "exist") {
						fmt.Fprintln(a.stdout, "  (run `memberlytics migrate` first)")
					}
					if ctx.Err() != nil {
						break
					}
					continue
				}
				fmt.Fprintln(a.stdout, summary(res))
			}
			if failed > 0 {
				return fmt.Errorf("load: %d of %d files failed (nothing of them was published)", failed, len(files))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "members, orders or events (or from --source)")
	f.StringVar(&format, "format", "", "csv, ndjson or parquet (default: from each file's extension)")
	f.BoolVar(&force, "force", false, "load files again even if the ledger says they were loaded")
	f.StringVar(&source, "source", "", "a source named in the config's loaders.sources")
	return cmd
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
	if r.Rejected > 0 {
		s += "; see load_rejects"
	}
	return s
}

// setGCPercent sets the garbage collector's GOGC to percent for a load,
// unless the GOGC environment variable (read with getenv) is set, and
// returns the function that restores the previous value.
func setGCPercent(percent int, getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(percent)
	return func() { debug.SetGCPercent(old) }
}
