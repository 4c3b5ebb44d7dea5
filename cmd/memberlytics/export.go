package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

func newExportCmd(a *app) *cobra.Command {
	var (
		asOf          string
		out           string
		formats       []string
		tables        []string
		runID         string
		allow         bool
		allowMassExit bool
		asJSON        bool
	)
	cmd := &cobra.Command{
		Use:   "export --as-of D [--allow-empty]",
		Short: "Publish member_profile, segment_members and segment_changes files for an as_of",
		Long: "Export allow-listed tables for one as_of into DIR/as_of=YYYY-MM-DD/ (DIR is\n" +
			"exports.dir, or --out inside it): one file per table and format, manifest.json,\n" +
			"then _SUCCESS. The folder is published atomically; a re-run replaces it.\n" +
			"The as_of must lie within the loaded data unless --allow-empty.\n" +
			"Only a date with a complete snapshot (every model run, consistently) is\n" +
			"exported, from exactly the snapshot's runs.\n" +
			"Tables: " + strings.Join([]string{exporters.TableMemberProfile, exporters.TableSegmentMembers, exporters.TableSegmentChanges}, ", ") + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asOf == "" {
				return fmt.Errorf("--as-of is required (YYYY-MM-DD)")
			}
			day, err := asof.Parse(asOf)
			if err != nil {
				return fmt.Errorf("--as-of %q: want YYYY-MM-DD", asOf)
			}
			cat, err := exporters.DefaultCatalog()
			if err != nil {
				return err
			}
			o := exporters.OptionsFromConfig(a.cfg.Exports)
			o.Out = out
			if len(formats) > 0 {
				o.Formats = formats
			}
			o.Tables = tables
			o.RunID = runID
			o.AllowMassExit = allowMassExit
			o.Logger = a.log
			if f, ok := a.stderr.(*os.File); ok && isTerminal(f) {
				o.Progress = func(source string, rows int64) {
					fmt.Fprintf(a.stderr, "\r\033[K%s: %d rows", source, rows)
				}
			}
			// Refuse bad flags before connecting.
			if err := o.Validate(cat); err != nil {
				return err
			}
			dir, err := exporters.ResolveDir(o.Dir, o.Out)
			if err != nil {
				return err
			}
			conn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := a.checkAsOf(cmd.Context(), conn, day, allow); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			e, err := exporters.New(conn, cat, o)
			if err != nil {
				return err
			}
			start := time.Now()
			m, err := e.Export(cmd.Context(), day)
			if o.Progress != nil {
				fmt.Fprint(a.stderr, "\r\033[K") // clear the progress line
			}
			if m == nil {
				return err
			}
			folder, took := filepath.Join(dir, "as_of="+m.AsOf), time.Since(start)
			if asJSON {
				if jerr := printJSON(a.stdout, struct {
					Folder     string `json:"folder"`
					DurationMS int64  `json:"duration_ms"`
					*exporters.Manifest
				}{folder, took.Milliseconds(), m}); jerr != nil {
					return jerr
				}
				return err
			}
			fmt.Fprintf(a.stdout, "exported as_of %s (run %s) to %s in %ss\n", m.AsOf, m.RunID, folder, seconds(took))
			for _, f := range m.Files {
				fmt.Fprintf(a.stdout, "  %-28s %10d rows %12d bytes\n", f.Path, f.Rows, f.Bytes)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "as_of date to export, YYYY-MM-DD (required)")
	f.StringVar(&out, "out", "", "directory inside exports.dir to write to (default exports.dir)")
	f.StringSliceVar(&formats, "format", nil, "formats: parquet, csv, arrow (default exports.formats)")
	f.StringSliceVar(&tables, "tables", nil, "tables to export (default all allow-listed tables)")
	f.StringVar(&runID, "run-id", "", "run id recorded in the manifest (default random)")
	f.BoolVar(&allow, "allow-empty", false, "export an as_of outside the loaded data (never outside ClickHouse's dates)")
	f.BoolVar(&asJSON, "json", false, "print a JSON object: folder, duration_ms and the manifest's fields (as_of, run_id, created_at, files)")
	f.BoolVar(&allowMassExit, "allow-mass-exit", false, "publish even when more than exports.max_exit_share of a family's members leave it")
	return cmd
}
