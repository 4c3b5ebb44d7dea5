package exporters

import (
	"context"
	"slices"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// OptionsFromConfig returns the Options the exports section configures;
// callers may then narrow Out, Formats and Tables (the CLI's flags) and set
// Logger and RunID.
func OptionsFromConfig(c config.Exports) Options {
	return Options{
		Dir:      c.Dir,
		Formats:  append([]string(nil), c.Formats...),
		Parquet:  ParquetOptions{Compression: c.Parquet.Compression, RowGroupRows: int64(c.Parquet.RowGroupRows)},
		KeepLast: c.Retention.KeepLast,

		MaxExitShare:          c.MaxExitShare,
		ExitCheckSkipFamilies: slices.Clone(c.ExitCheckSkipFamilies),
	}
}

// StepName is the export's name as a job step.
const StepName = "export"

// Name returns StepName: the export as a job in the runner's graph.
func (e *Exporter) Name() string { return StepName }

// Run is the export as a job step: it exports asOf and returns the rows
// written per table (each table's rows once, whatever the number of
// formats). Like Export, it is safe to re-run for the same asOf.
func (e *Exporter) Run(ctx context.Context, asOf time.Time) (map[string]uint64, error) {
	m, err := e.Export(ctx, asOf)
	if m == nil {
		return nil, err
	}
	return m.RowsByTable(), err
}

// RowsByTable returns the rows of each table in the manifest.
func (m *Manifest) RowsByTable() map[string]uint64 {
	out := make(map[string]uint64)
	for _, f := range m.Files {
		out[f.Table] = uint64(f.Rows)
	}
	return out
}
