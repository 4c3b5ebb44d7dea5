package exporters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/randid"
	"github.com/memberlytics/memberlytics/internal/platform/snapshot"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Formats are the file formats, in the order an export writes them.
var Formats = []string{FormatParquet, FormatCSV, FormatArrow}

// File formats.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
	FormatArrow   = "arrow"
)

// DefaultBatchRows is how many rows an export holds in memory between
// ClickHouse and the files.
const DefaultBatchRows = 64 * 1024

// Options configure an Exporter.
type Options struct {
	// Dir is the configured export directory (exports.dir). Nothing is
	// ever written outside it.
	Dir string
	// Out, when set, is a directory inside Dir to write to instead (the
	// --out flag). ResolveDir checks it.
	Out string
	// Formats to write; empty means all three. See Formats.
	Formats []string
	// Tables to write, by allow-listed name; empty means the whole catalog.
	Tables []string
	// Parquet tunes the Parquet files.
	Parquet ParquetOptions
	// KeepLast keeps that many newest as_of folders after a successful
	// export and deletes older ones; 0 keeps all.
	KeepLast int
	// BatchRows bounds the rows held in memory (default DefaultBatchRows);
	// it is also the size of the Arrow record batches.
	BatchRows int
	// RunID is recorded in the manifest; empty means a random one.
	RunID string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Now is the clock for the manifest's created_at (default time.Now).
	Now func() time.Time
	// MaxExitShare is the largest share of a family's members in the
	// previous export's snapshot that may leave the family (segment_changes
	// with change = exited); more refuses the export with ErrMassExit.
	// 0 means 0.5 (exports.max_exit_share).
	MaxExitShare float64
	// AllowMassExit publishes even beyond MaxExitShare (--allow-mass-exit).
	AllowMassExit bool
	// ExitCheckSkipFamilies are the segment families the mass-exit check
	// passes over, as their members rotate by design
	// (exports.exit_check_skip_families); nil means
	// DefaultExitCheckSkipFamilies, an empty non-nil list checks every
	// family.
	ExitCheckSkipFamilies []string
	// Progress, when set, is called after each batch of a source is
	// written to every format, with the source's rows so far; export
	// shows it on a terminal. It runs on the export's goroutine: a slow
	// Progress slows the export.
	Progress func(source string, rows int64)
}

// Exporter writes the allow-listed sources of a Catalog for one as_of
// into DIR/as_of=YYYY-MM-DD/, published atomically. An Exporter is safe
// to reuse; concurrent exports to one directory are refused (ErrLocked).
type Exporter struct {
	q    Querier
	cat  *Catalog
	opts Options
	log  *slog.Logger
}

// Validate checks the options against the allow-list cat without touching
// the warehouse or the disk.
func (o Options) Validate(cat *Catalog) error {
	if o.Dir == "" {
		return fmt.Errorf("exports dir is empty")
	}
	if _, err := normalizeFormats(o.Formats); err != nil {
		return err
	}
	if _, err := cat.Select(o.Tables); err != nil {
		return err
	}
	if o.MaxExitShare < 0 || o.MaxExitShare > 1 {
		return fmt.Errorf("max exit share %g: want more than 0 and at most 1", o.MaxExitShare)
	}
	switch o.Parquet.Compression {
	case "", CompressionZstd, CompressionSnappy:
	default:
		return fmt.Errorf("parquet compression %q: want zstd or snappy", o.Parquet.Compression)
	}
	return nil
}

// New checks the options (Validate) and returns an Exporter reading from
// q. It touches neither the warehouse nor the disk.
func New(q Querier, cat *Catalog, o Options) (*Exporter, error) {
	if err := o.Validate(cat); err != nil {
		return nil, fmt.Errorf("new exporter: %w", err)
	}
	o.Formats, _ = normalizeFormats(o.Formats)
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxExitShare == 0 {
		o.MaxExitShare = 0.5
	}
	if o.ExitCheckSkipFamilies == nil {
		o.ExitCheckSkipFamilies = DefaultExitCheckSkipFamilies
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Exporter{q: q, cat: cat, opts: o, log: log.With("component", "exports")}, nil
}

func normalizeFormats(in []string) ([]string, error) {
	if len(in) == 0 {
		return Formats, nil
	}
	for _, f := range in {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("format %q (want %s): %w", f, strings.Join(Formats, ", "), ErrUnknownFormat)
		}
	}
	var out []string
	for _, f := range Formats {
		if slices.Contains(in, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Export writes every selected source for asOf (a date; its time of day is
// ignored) and publishes the folder: data files, manifest.json, then
// _SUCCESS, all built in a staging folder and swapped in at the end. A
// re-run replaces the folder; a failed or killed run leaves the previous
// folder, if any, untouched. The data files of two exports of the same
// data are byte-identical; only the manifest's run_id and created_at
// differ. It returns the manifest written.
//
// Sources with a Model (the default catalog's) are read from asOf's
// complete snapshot only: a date without one is refused with
// ErrNoSnapshot before anything is written; each table is read WHERE
// as_of = asOf AND run_id = the snapshot's run, and when the snapshot
// changes, or a read partition is replaced, while the export runs it
// fails with ErrSnapshotChanged and publishes nothing. segment_changes
// compares with the newest earlier exported as_of that still has a
// snapshot, and a family losing more than MaxExitShare of its members
// fails with ErrMassExit unless AllowMassExit.
func (e *Exporter) Export(ctx context.Context, asOf time.Time) (*Manifest, error) {
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	day := asOf.Format(time.DateOnly)
	dir, err := ResolveDir(e.opts.Dir, e.opts.Out)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	defer lock.unlock()
	if err := removeStale(dir); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	sources, err := e.cat.Select(e.opts.Tables)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	pinned := false
	for _, src := range sources {
		pinned = pinned || src.Model != ""
	}
	var snap, prevSnap snapshot.Snapshot
	var prev time.Time
	if pinned {
		if snap, err = snapshot.Get(ctx, e.q, asOf); errors.Is(err, snapshot.ErrNone) {
			return nil, fmt.Errorf("export %s: %w for %s: its models have not all run, one failed or was re-run since, or a re-run is in progress; run `memberlytics run all --as-of %s`",
				day, ErrNoSnapshot, day, day)
		} else if err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
		if prev, prevSnap, err = e.previousSnapshot(ctx, dir, asOf); err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
	} else if prev, err = previousExport(dir, asOf); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	params := func(src Source) (Params, error) {
		p := Params{AsOf: asOf, Previous: prev}
		if src.Model == "" {
			return p, nil
		}
		r, ok := snap.Runs[src.Model]
		if !ok || r.Status != snapshot.Succeeded {
			return p, fmt.Errorf("%s: the snapshot of %s has no output of model %s (%s)", src.Name, day, src.Model, r.Status)
		}
		p.RunID = r.RunID
		p.PreviousRunID, _ = prevSnap.RunID(src.Model)
		return p, nil
	}
	for _, src := range sources {
		if src.Name != TableSegmentChanges || src.Model == "" || prev.IsZero() {
			continue
		}
		p, err := params(src)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
		if err := e.checkExits(ctx, p, e.log.With("as_of", day)); err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
	}
	runID := e.opts.RunID
	if runID == "" {
		runID = randid.Hex(8)
	}
	final := filepath.Join(dir, asOfDirName(asOf))
	tmp := filepath.Join(dir, tmpPrefix+asOfDirName(asOf)+"-"+runID)
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("export %s: create staging folder: %w", day, err)
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(tmp)
		}
	}()

	log := e.log.With("as_of", day, "run_id", runID)
	m := &Manifest{AsOf: day, RunID: runID}
	if !prev.IsZero() {
		m.PreviousAsOf = prev.Format(time.DateOnly)
	}
	for _, src := range sources {
		p, err := params(src)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
		files, err := e.exportSource(ctx, src, p, tmp, log)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
		m.Files = append(m.Files, files...)
	}
	if pinned {
		if err := e.checkUnchanged(ctx, sources, snap, prevSnap); err != nil {
			return nil, fmt.Errorf("export %s: %w", day, err)
		}
	}
	m.CreatedAt = e.opts.Now().UTC().Truncate(time.Millisecond)
	data, err := m.encode()
	if err != nil {
		return nil, err
	}
	if err := writeSmallFile(tmp, manifestFile, data); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	if err := writeSmallFile(tmp, successFile, nil); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	if err := syncDir(tmp); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	if err := swapIn(dir, tmp, final); err != nil {
		return nil, fmt.Errorf("export %s: %w", day, err)
	}
	published = true
	log.Info("export published", "dir", final, "files", len(m.Files))
	removed, err := applyRetention(dir, e.opts.KeepLast)
	for _, d := range removed {
		log.Info("export retired", "retired_as_of", d.Format(time.DateOnly))
	}
	if err != nil {
		return m, fmt.Errorf("export %s: published, but %w", day, err)
	}
	return m, nil
}

// tableWriter is one format's encoder for one table.
type tableWriter interface {
	write(b *batch) error
	close() error
}

// exportSource streams one source into one staged file per format.
func (e *Exporter) exportSource(ctx context.Context, src Source, p Params, dir string, log *slog.Logger) (files []ManifestFile, err error) {
	start := time.Now()
	cols, err := src.describe(ctx, e.q, p)
	if err != nil {
		return nil, err
	}
	query, args, err := src.selectSQL(cols, p)
	if err != nil {
		return nil, err
	}
	staged := make([]*stagedFile, len(e.opts.Formats))
	writers := make([]tableWriter, len(e.opts.Formats))
	defer func() {
		if err != nil {
			for _, s := range staged {
				if s != nil {
					s.abort()
				}
			}
		}
	}()
	for i, f := range e.opts.Formats {
		name := src.Name + "." + f
		if staged[i], err = createStaged(dir, name); err != nil {
			return nil, err
		}
		switch f {
		case FormatParquet:
			writers[i], err = newParquetWriter(staged[i], src.Name, cols, e.opts.Parquet)
		case FormatCSV:
			writers[i], err = newCSVWriter(staged[i], cols)
		case FormatArrow:
			writers[i], err = newArrowWriter(staged[i], cols)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}

	sc, err := newScanner(cols)
	if err != nil {
		return nil, err
	}
	// Two batches alternate between this goroutine, which scans rows from
	// ClickHouse, and the writers, which encode them, so decoding and
	// encoding overlap and memory stays at two batches. Each format has
	// its own goroutine: they read the same batch (read-only) at the same
	// time, and the batch is reused once all of them are done with it.
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := e.q.Query(qctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", src.Name, err)
	}
	defer rows.Close()
	free := make(chan *batch, 2)
	full := make(chan *batch)
	free <- newBatch(cols)
	free <- newBatch(cols)
	var total int64
	werr := make(chan error, 1)
	go func() {
		ins := make([]chan *batch, len(writers))
		done := make(chan error, len(writers))
		for i, w := range writers {
			ins[i] = make(chan *batch, 1)
			go func() {
				for b := range ins[i] {
					err := w.write(b)
					if err != nil {
						err = fmt.Errorf("%s.%s: %w", src.Name, e.opts.Formats[i], err)
					}
					done <- err
				}
			}()
		}
		defer func() {
			for _, in := range ins {
				close(in)
			}
		}()
		var err error
		for b := range full {
			if err == nil {
				for _, in := range ins {
					in <- b
				}
				for range ins {
					if we := <-done; we != nil && err == nil {
						err = we
						cancel()
					}
				}
				total += int64(b.n)
				if err == nil && e.opts.Progress != nil {
					e.opts.Progress(src.Name, total)
				}
			}
			b.reset()
			free <- b
		}
		werr <- err
	}()
	rerr := func() error {
		defer close(full)
		b := <-free
		for rows.Next() {
			if err := sc.scanRow(rows, b); err != nil {
				return fmt.Errorf("scan %s: %w", src.Name, err)
			}
			if b.n == e.opts.BatchRows {
				full <- b
				b = <-free
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %s: %w", src.Name, err)
		}
		if b.n > 0 {
			full <- b
		}
		return nil
	}()
	if err := <-werr; err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, w := range writers {
		if err := w.close(); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", src.Name, e.opts.Formats[i], err)
		}
	}
	for i, f := range e.opts.Formats {
		size, sum, err := staged[i].commit()
		if err != nil {
			return nil, err
		}
		staged[i] = nil
		files = append(files, ManifestFile{
			Path: src.Name + "." + f, Table: src.Name, Format: f,
			Rows: total, Bytes: size, SHA256: sum, Columns: cols,
		})
		log.Info("export file written", "table", src.Name, "format", f, "rows", total, "bytes", size)
	}
	log.Debug("export table done", "table", src.Name, "rows", total, "seconds", time.Since(start).Seconds())
	return files, nil
}

// previousSnapshot returns the newest as_of exported into dir before asOf
// that still has a snapshot, and that snapshot; zero when none.
func (e *Exporter) previousSnapshot(ctx context.Context, dir string, asOf time.Time) (time.Time, snapshot.Snapshot, error) {
	all, err := published(dir)
	if err != nil {
		return time.Time{}, snapshot.Snapshot{}, err
	}
	for _, d := range all {
		if !d.Before(asOf) {
			continue
		}
		s, err := snapshot.Get(ctx, e.q, d)
		if errors.Is(err, snapshot.ErrNone) {
			e.log.Warn("previous export has no snapshot any more; segment_changes compares with an older one", "previous_as_of", d.Format(time.DateOnly))
			continue
		}
		if err != nil {
			return time.Time{}, snapshot.Snapshot{}, err
		}
		return d, s, nil
	}
	return time.Time{}, snapshot.Snapshot{}, nil
}

// DefaultExitCheckSkipFamilies are the families the mass-exit check passes
// over by default: occasion (models/occasions) lists the members with a
// birthday or anniversary in the next days, so most leave it every week.
var DefaultExitCheckSkipFamilies = []string{"occasion"}

// checkExits refuses a segment_changes in which more than MaxExitShare of
// a family's previous members exit it (unless AllowMassExit), except for
// the families of ExitCheckSkipFamilies.
func (e *Exporter) checkExits(ctx context.Context, p Params, log *slog.Logger) error {
	q, err := sql.ExportQuery("segment_exits")
	if err != nil {
		return fmt.Errorf("segment exits: %w", err)
	}
	rows, err := e.q.Query(ctx, q, p.Previous.Format(time.DateOnly), p.PreviousRunID, p.AsOf.Format(time.DateOnly), p.RunID)
	if err != nil {
		return fmt.Errorf("segment exits: %w", err)
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var family string
		var members, exited uint64
		if err := rows.Scan(&family, &members, &exited); err != nil {
			return fmt.Errorf("segment exits: %w", err)
		}
		if members == 0 || slices.Contains(e.opts.ExitCheckSkipFamilies, family) {
			continue
		}
		if share := float64(exited) / float64(members); share > e.opts.MaxExitShare {
			if e.opts.AllowMassExit {
				log.Warn("mass exit allowed", "family", family, "exited", exited, "previous_members", members)
				continue
			}
			bad = append(bad, fmt.Sprintf("%s: %d of %d members (%.0f%%)", family, exited, members, 100*share))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("segment exits: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w since %s, more than exports.max_exit_share = %g: %s; check the model outputs, or publish with --allow-mass-exit",
			ErrMassExit, p.Previous.Format(time.DateOnly), e.opts.MaxExitShare, strings.Join(bad, "; "))
	}
	return nil
}

// checkUnchanged fails with ErrSnapshotChanged when snap (or prevSnap) is
// no longer the published snapshot of its date, or a partition the
// sources read now holds rows of another run: the export may have read a
// half-replaced date.
func (e *Exporter) checkUnchanged(ctx context.Context, sources []Source, snap, prevSnap snapshot.Snapshot) error {
	for _, s := range []snapshot.Snapshot{snap, prevSnap} {
		if s.AsOf.IsZero() {
			continue
		}
		now, err := snapshot.Get(ctx, e.q, s.AsOf)
		if err != nil && !errors.Is(err, snapshot.ErrNone) {
			return err
		}
		if err != nil || !now.Equal(s) {
			return fmt.Errorf("%w: the snapshot of %s was withdrawn or replaced (a model re-ran); export again once it is published", ErrSnapshotChanged, s.AsOf.Format(time.DateOnly))
		}
	}
	for _, src := range sources {
		if src.Model == "" {
			continue
		}
		for _, s := range []snapshot.Snapshot{snap, prevSnap} {
			id, ok := s.RunID(src.Model)
			if !ok || (!s.AsOf.Equal(snap.AsOf) && src.Table != "") {
				continue
			}
			for _, t := range src.reads() {
				var other uint64
				rows, err := e.q.Query(ctx, "SELECT count() FROM "+warehouse.QuoteIdent(t)+" WHERE as_of = toDate(?) AND run_id != ?", s.AsOf.Format(time.DateOnly), id)
				if err != nil {
					return fmt.Errorf("check %s: %w", t, err)
				}
				if rows.Next() {
					err = rows.Scan(&other)
				}
				rows.Close()
				if err != nil {
					return fmt.Errorf("check %s: %w", t, err)
				}
				if other > 0 {
					return fmt.Errorf("%w: %s of %s was replaced by another run while exporting (snapshot run %s); export again once the new snapshot is published",
						ErrSnapshotChanged, t, s.AsOf.Format(time.DateOnly), id)
				}
			}
		}
	}
	return nil
}
