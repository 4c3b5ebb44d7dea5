package loaders

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/memberlytics/memberlytics/internal/platform/randid"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Conn is what the loader needs from ClickHouse.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) error
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
	PrepareBatch(ctx context.Context, query string) (warehouse.Batch, error)
	// Database is the main database (stages go to its work database).
	Database() string
}

// Format is a file format.
type Format string

// The formats a Loader reads.
const (
	CSV     Format = "csv"
	NDJSON  Format = "ndjson"
	Parquet Format = "parquet"
)

// Options configure a Loader. Kind is required; the rest have defaults.
type Options struct {
	// Kind is what the files hold.
	Kind Kind
	// Format forces the format; empty tells it from each file's extension.
	Format Format
	// Source names the configured source, recorded in the ledger.
	Source string
	// Mapping renames source columns to canonical ones.
	Mapping Mapping
	// Delimiter is the CSV separator; 0 means ','.
	Delimiter rune
	// TimestampLayouts are date formats tried before the built-in ones:
	// written the analyst's way ("MM/DD/YYYY HH:mm") or as Go layouts.
	TimestampLayouts []string
	// NumberFormat is "1,234.56" (the default when empty) or "1.234,56":
	// which character groups thousands in amounts and which marks decimals.
	NumberFormat string
	// Location is the zone of naive timestamps; nil means UTC.
	Location *time.Location
	// BatchRows bounds the rows per record batch and insert; 0 means 100000.
	BatchRows int
	// MaxRejectRatio is the share of rejected rows above which a file fails.
	MaxRejectRatio float64
	// Force loads files again even when the ledger says they were loaded.
	Force bool
	// Logger receives progress and cleanup messages; nil discards them.
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called after every batch sent to ClickHouse
	// from the loading goroutine.
	Progress func(Progress)
	// Owner names this process in the file's lease ("being loaded by
	// <owner>"); empty means host:pid.
	Owner string
	// Lease is how long a file's lease lasts unless renewed; a load renews
	// it while it stages. An attempt that dies keeps the file from other
	// loads, and its stage from the sweep, for at most this long. 0 means
	// DefaultLease.
	Lease time.Duration
}

// DefaultLease is the lease of a file being loaded when Options.Lease is 0.
const DefaultLease = 10 * time.Minute

// Progress is the state of the file being loaded.
type Progress struct {
	Path             string
	Rows, Rejected   int64
	BytesRead, Bytes int64
	Elapsed          time.Duration
}

// Result is what happened to one file.
type Result struct {
	Path, FileID, SHA256 string
	Format               Format
	// Rows were published, Rejected went to load_rejects.
	Rows, Rejected int64
	// BirthdaysNulled counts birthdays ClickHouse's Date cannot hold
	// (before 1970, after 2149): NULL in birthday, kept in birth_date.
	BirthdaysNulled int64
	Bytes           int64
	Duration        time.Duration
	// Skipped is set when the file had been loaded already (at LoadedAt).
	Skipped  bool
	LoadedAt time.Time
	// Recovered is set when an earlier attempt had published the rows but
	// died before recording it; this attempt only completed the ledger.
	Recovered bool
	// Ignored lists source columns that map to no canonical column.
	Ignored []string
	// FirstRejects are the first few refused rows.
	FirstRejects []Reject
	// UnknownOrders counts items (kind items) whose order_id was not in
	// orders when the file loaded: loaded all the same, member_id as the
	// file gave it (empty when it gave none).
	UnknownOrders int64
}

// Loader loads files of one kind. A Loader is not safe for concurrent use,
// but any number of Loaders (in one process or many, on one server or a
// cluster) may load into one database at once: each attempt stages in a
// table of its own in the work database, holds the file's lease in
// load_leases while it loads, and publishes a file at most once.
type Loader struct {
	conn   Conn
	o      Options
	s      *schema
	tp     *timeParser
	ledger ledger
	leases leases
	log    *slog.Logger
	swept  bool
	// topo is the cluster in cluster mode (see cluster.go), nil on one server.
	topo *warehouse.Topology
	// unknownOrders counts the items of the file being staged whose order
	// is unknown (fillItemMembers); written by stageFile's sender.
	unknownOrders int64
}

// New checks the options and returns a Loader. conn may be nil for a
// Loader that only runs DryRun.
func New(conn Conn, o Options) (*Loader, error) {
	s, ok := schemas[o.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: kind must be %s, got %q", ErrInvalidOptions, kindNames, o.Kind)
	}
	switch o.Format {
	case "", CSV, NDJSON, Parquet:
	default:
		return nil, fmt.Errorf("%w: format must be csv, ndjson or parquet, got %q", ErrInvalidOptions, o.Format)
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 100_000
	}
	if o.MaxRejectRatio < 0 || o.MaxRejectRatio > 1 {
		return nil, fmt.Errorf("%w: max reject ratio must be in [0, 1], got %v", ErrInvalidOptions, o.MaxRejectRatio)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease < 0 {
		return nil, fmt.Errorf("%w: lease must not be negative, got %v", ErrInvalidOptions, o.Lease)
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	switch o.NumberFormat {
	case "", "1,234.56", "1.234,56":
	default:
		return nil, fmt.Errorf("%w: number format must be \"1,234.56\" or \"1.234,56\", got %q", ErrInvalidOptions, o.NumberFormat)
	}
	tp, err := newTimeParser(o.Location, o.TimestampLayouts)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	vs := &versions{}
	l := &Loader{
		conn: conn, o: o, s: s,
		tp:     tp,
		ledger: ledger{conn: conn, now: o.Now, vs: vs},
		leases: leases{conn: conn, now: o.Now, vs: vs},
		log:    log.With("loader", string(o.Kind)),
	}
	if topo, ok := warehouse.TopologyOf(conn); ok {
		l.topo = &topo
	}
	return l, nil
}

// FormatOf tells a file's format from its name: .csv, .ndjson, .jsonl or
// .json, .parquet, each optionally followed by .gz or .zst.
func FormatOf(path string) (Format, error) {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".zst")
	switch filepath.Ext(name) {
	case ".csv":
		return CSV, nil
	case ".ndjson", ".jsonl", ".json":
		return NDJSON, nil
	case ".parquet", ".pq":
		return Parquet, nil
	}
	return "", fmt.Errorf("%w: %s (name it .csv, .ndjson or .parquet, optionally .gz or .zst, or give --format)", ErrUnknownFormat, path)
}

// ExpandPaths turns files, directories and globs into a list of files.
// A directory gives every loadable file below it (sorted, dot files
// skipped) whose name matches dirGlob (empty matches all); a directory
// with none, or a pattern matching nothing, is an error.
func ExpandPaths(args []string, dirGlob string) ([]string, error) {
	var out []string
	for _, a := range args {
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("expand %s: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("expand %s: no file matches", a)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("expand %s: %w", a, err)
			}
			if !st.IsDir() {
				if err := regular(st); err != nil {
					return nil, fmt.Errorf("expand %s: %w", p, err)
				}
				out = append(out, p)
				continue
			}
			var files []string
			err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
					return nil
				}
				if ok, _ := filepath.Match(dirGlob, d.Name()); dirGlob != "" && !ok {
					return nil
				}
				if _, ferr := FormatOf(path); ferr != nil {
					return nil
				}
				if !d.Type().IsRegular() {
					st, err := os.Stat(path) // a symlink is followed
					if err != nil {
						return err
					}
					if err := regular(st); err != nil {
						return fmt.Errorf("%s: %w", path, err)
					}
				}
				files = append(files, path)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("expand %s: %w", a, err)
			}
			if len(files) == 0 && dirGlob != "" {
				return nil, fmt.Errorf("expand %s: no file in %s matches %s", a, p, dirGlob)
			}
			sort.Strings(files)
			out = append(out, files...)
		}
	}
	return out, nil
}

// stageName is the staging table of an attempt, in the work database:
// <kind>_stage_<file_id>_<attempt_id>.
func (l *Loader) stageName(a *attempt) string {
	return string(l.o.Kind) + "_stage_" + a.FileID + "_" + a.AttemptID
}

// regular returns an error wrapping ErrNotRegularFile that says what st
// is, unless it is a regular file's. Callers name the path.
func regular(st os.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&os.ModeCharDevice != 0:
		what = "a character device"
	case m&os.ModeDevice != 0:
		what = "a block device"
	case m&os.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%w: %s", ErrNotRegularFile, what)
}

// openRegular opens path for reading when it is a regular file: it is
// checked before opening (opening a FIFO blocks until a writer comes) and
// again after, through the open file.
func openRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regular(st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err == nil {
		err = regular(st)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// hashChunk is how much hashFile reads between checks of its context.
const hashChunk = 1 << 20

// hashFile returns the sha256 of the file's bytes, hex, and their count.
// It refuses what is not a regular file and stops when ctx is done.
func hashFile(ctx context.Context, path string) (string, int64, error) {
	f, err := openRegular(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, hashChunk)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return "", n, fmt.Errorf("hash: %w", err)
		}
		k, err := io.ReadFull(f, buf)
		h.Write(buf[:k])
		n += int64(k)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", n, fmt.Errorf("hash: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// LoadFile loads one file all or nothing and records it in the ledger.
// A file loaded before is skipped (Result.Skipped) unless Options.Force.
// On failure nothing of the file is visible in the raw table.
func (l *Loader) LoadFile(ctx context.Context, path string) (Result, error) {
	ctx = warehouse.WithQueryName(ctx, "load_"+string(l.o.Kind))
	start := l.o.Now()
	res := Result{Path: path}
	format := l.o.Format
	if format == "" {
		f, err := FormatOf(path)
		if err != nil {
			return res, fmt.Errorf("load %s %s: %w", l.o.Kind, path, err)
		}
		format = f
	}
	res.Format = format
	sum, size, err := hashFile(ctx, path)
	if err != nil {
		return res, fmt.Errorf("load %s %s: %w", l.o.Kind, path, err)
	}
	res.SHA256, res.FileID, res.Bytes = sum, sum[:16], size
	l.log.Debug("hashed", "path", path, "file_id", res.FileID, "seconds", l.o.Now().Sub(start).Seconds())
	fail := func(err error) (Result, error) {
		res.Duration = l.o.Now().Sub(start)
		return res, fmt.Errorf("load %s %s: %w", l.o.Kind, path, err)
	}

	if !l.swept {
		if err := warehouse.EnsureWorkDatabase(ctx, l.conn); err != nil {
			return fail(err)
		}
		if _, err := Sweep(ctx, l.conn, SweepOptions{Now: l.o.Now, Logger: l.log}); err != nil {
			return fail(err)
		}
		l.swept = true
	}
	hist, err := l.ledger.history(ctx, res.FileID)
	if err != nil {
		return fail(err)
	}
	if done, ok := l.skip(hist, &res, start); ok {
		return done, nil
	}

	// Take the file's lease (lease.go), then read the ledger again: an
	// attempt that finished before the claim recorded its result first.
	a := attempt{
		FileID: res.FileID, AttemptID: newAttemptID(), SHA256: sum, Path: path, Kind: l.o.Kind,
		Format: string(format), Source: l.o.Source, Bytes: uint64(size), Status: StatusLoading,
		StartedAt: start, FinishedAt: start,
	}
	c, err := l.claim(ctx, &a)
	if err != nil {
		return fail(err)
	}
	defer l.release(ctx, c)
	if hist, err = l.ledger.history(ctx, res.FileID); err != nil {
		return fail(err)
	}
	if done, ok := l.skip(hist, &res, start); ok {
		return done, nil
	}
	var unfinished *attempt
	for i := range hist {
		if hist[i].Status != StatusLoaded {
			unfinished = &hist[i]
			break
		}
	}
	if unfinished != nil && !l.o.Force {
		n, err := l.publishedRows(ctx, res.FileID)
		if err != nil {
			return fail(err)
		}
		if n > 0 && l.topo != nil {
			// Cluster mode: some shards may have attached and some not, so
			// rows found are not "published". Load the file again and attach
			// on every shard; rows attached twice collapse under FINAL (same
			// key, same version, same shard).
			l.log.Warn("an earlier attempt published rows and stopped; publishing the file again on every shard", "path", path, "file_id", res.FileID, "attempt_id", unfinished.AttemptID, "rows_found", n)
		} else if n > 0 {
			// The earlier attempt attached its rows and died before the
			// ledger said so: finish its record, do not load again.
			a := *unfinished
			a.SHA256, a.Format, a.Source, a.Bytes = sum, string(format), l.o.Source, uint64(size)
			a.Status, a.Rows, a.Error, a.FinishedAt = StatusLoaded, n, "", l.o.Now()
			if err := l.ledger.put(ctx, a); err != nil {
				return fail(err)
			}
			l.log.Warn("completed the ledger of an attempt that published its rows and stopped", "path", path, "file_id", res.FileID, "attempt_id", a.AttemptID, "rows", n)
			res.Recovered, res.Rows, res.Rejected, res.LoadedAt = true, int64(n), int64(a.Rejected), a.FinishedAt
			res.Duration = l.o.Now().Sub(start)
			return res, nil
		}
	}

	a.Forced = l.o.Force && len(hist) > 0
	if err := l.ledger.put(ctx, a); err != nil {
		return fail(err)
	}
	err = l.loadAttempt(ctx, path, format, &a, c, &res, start)
	res.Duration = l.o.Now().Sub(start)
	if err != nil {
		return res, fmt.Errorf("load %s %s: %w", l.o.Kind, path, err)
	}
	return res, nil
}

// skip fills res for a file the ledger hist says is loaded, unless Force.
func (l *Loader) skip(hist []attempt, res *Result, start time.Time) (Result, bool) {
	if l.o.Force {
		return Result{}, false
	}
	for _, a := range hist {
		if a.Status == StatusLoaded {
			res.Skipped, res.LoadedAt = true, a.FinishedAt
			res.Rows, res.Rejected = int64(a.Rows), int64(a.Rejected)
			res.Duration = l.o.Now().Sub(start)
			return *res, true
		}
	}
	return Result{}, false
}

// claim takes the file's lease for attempt a or returns an error wrapping
// ErrBeingLoaded that names the holder (lease.go).
func (l *Loader) claim(ctx context.Context, a *attempt) (*claim, error) {
	now := l.o.Now()
	c := &claim{FileID: a.FileID, AttemptID: a.AttemptID, Owner: l.o.Owner, ClaimedAt: now,
		ClaimNS: uint64(now.UnixNano()), ExpiresAt: now.Add(l.o.Lease), State: leaseClaimed}
	if err := l.leases.put(ctx, *c); err != nil {
		return nil, err
	}
	cs, err := l.leases.claims(ctx, a.FileID)
	if err != nil {
		l.release(ctx, c)
		return nil, err
	}
	v := judge(cs, a.AttemptID, l.o.Now())
	switch {
	case !v.found:
		l.release(ctx, c)
		return nil, fmt.Errorf("lease: the claim of attempt %s was not read back", a.AttemptID)
	case v.publishing != nil:
		// An attempt whose claim was inserted late (or whose clock runs
		// behind) is publishing already: it goes first, whatever the order.
		l.release(ctx, c)
		return nil, beingLoaded(*v.publishing)
	case v.holder.AttemptID != a.AttemptID:
		l.release(ctx, c)
		return nil, beingLoaded(v.holder)
	}
	return c, nil
}

// release gives the lease up, even when ctx is cancelled.
func (l *Loader) release(ctx context.Context, c *claim) {
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	r := *c
	r.State = leaseReleased
	if err := l.leases.put(bg, r); err != nil {
		l.log.Warn("release the file's lease (it lapses at its expiry)", "file_id", c.FileID, "attempt_id", c.AttemptID, "err", err)
	}
}

// renew extends the lease when a third of it has passed since the last
// renewal; called from the sending goroutine after each batch.
func (l *Loader) renew(ctx context.Context, c *claim, last *time.Time) {
	now := l.o.Now()
	if now.Sub(*last) < l.o.Lease/3 {
		return
	}
	r := *c
	r.ExpiresAt = now.Add(l.o.Lease)
	if err := l.leases.put(ctx, r); err != nil {
		l.log.Warn("renew the file's lease", "file_id", c.FileID, "err", err)
		return
	}
	*last = now
	c.ExpiresAt = r.ExpiresAt
}

// checkBeforePublish makes sure attempt a may attach its stage: its claim
// is still live and first, no other attempt is publishing the file, and
// (unless Force) no other attempt has recorded it loaded (lease.go,
// step 3).
func (l *Loader) checkBeforePublish(ctx context.Context, a *attempt, c *claim) error {
	cs, err := l.leases.claims(ctx, a.FileID)
	if err != nil {
		return err
	}
	now := l.o.Now()
	v := judge(cs, a.AttemptID, now)
	switch {
	case !v.found || !v.mine.live(now):
		return fmt.Errorf("%w: the lease of attempt %s expired before publishing", ErrBeingLoaded, a.AttemptID)
	case v.holder.AttemptID != a.AttemptID:
		return beingLoaded(v.holder)
	case v.publishing != nil:
		return beingLoaded(*v.publishing)
	}
	p := *c
	p.State, p.ExpiresAt = leasePublishing, now.Add(l.o.Lease)
	if err := l.leases.put(ctx, p); err != nil {
		return err
	}
	*c = p
	if cs, err = l.leases.claims(ctx, a.FileID); err != nil {
		return err
	}
	if v := judge(cs, a.AttemptID, l.o.Now()); v.publishing != nil {
		return beingLoaded(*v.publishing)
	}
	if l.o.Force {
		return nil // a forced load publishes another copy on purpose
	}
	hist, err := l.ledger.history(ctx, a.FileID)
	if err != nil {
		return err
	}
	for _, h := range hist {
		if h.AttemptID != a.AttemptID && h.Status == StatusLoaded {
			return fmt.Errorf("%w: recorded loaded by attempt %s meanwhile", ErrBeingLoaded, h.AttemptID)
		}
	}
	return nil
}

// publishedRows counts the raw table's rows carrying the file's id.
func (l *Loader) publishedRows(ctx context.Context, fileID string) (uint64, error) {
	rows, err := l.conn.Query(ctx, "SELECT count() FROM "+warehouse.QuoteIdent(l.o.Kind.Table())+" WHERE file_id = ?", fileID)
	if err != nil {
		return 0, fmt.Errorf("count published rows: %w", err)
	}
	defer rows.Close()
	var n uint64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("count published rows: %w", err)
		}
	}
	return n, rows.Err()
}

func newAttemptID() string { return randid.Hex(8) }

// loadAttempt stages, checks and publishes the file. Whatever fails, the
// stage is dropped and the attempt marked failed (as far as the server
// lets us).
func (l *Loader) loadAttempt(ctx context.Context, path string, format Format, a *attempt, c *claim, res *Result, start time.Time) error {
	stage := warehouse.WorkTable(l.conn.Database(), l.stageName(a))
	rej := &rejectLog{}
	published := false
	cleanup := func(cause error) error {
		if published {
			return fmt.Errorf("rows published but the ledger was not updated (the next load completes it): %w", cause)
		}
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := l.dropStage(bg, a); err != nil {
			l.log.Warn("drop staging table", "table", l.stageName(a), "err", err)
		}
		if !errors.Is(cause, ErrTooManyRejects) {
			// On a reject failure the rejects are written already.
			_ = rej.write(bg, l.conn, a.FileID, a.AttemptID, l.o.Now())
		}
		a.Status, a.Error, a.FinishedAt = StatusFailed, cause.Error(), l.o.Now()
		a.Rejected = uint64(rej.count)
		if err := l.ledger.put(bg, *a); err != nil {
			l.log.Warn("mark the attempt failed", "file_id", a.FileID, "err", err)
		}
		return cause
	}

	if err := l.createStage(ctx, a); err != nil {
		return cleanup(err)
	}
	l.log.Debug("stage created", "table", l.stageName(a), "seconds", l.o.Now().Sub(start).Seconds())
	renewed := l.o.Now()
	renew := func() { l.renew(ctx, c, &renewed) }
	rows, birthdays, ignored, err := l.stageFile(ctx, path, format, a.FileID, stage, rej, res.Bytes, start, renew)
	res.Rows, res.Rejected, res.BirthdaysNulled, res.Ignored = rows, rej.count, birthdays, ignored
	res.UnknownOrders = l.unknownOrders
	res.FirstRejects = rej.first(5)
	if err != nil {
		return cleanup(err)
	}
	if total := rows + rej.count; rej.count > 0 && float64(rej.count) > l.o.MaxRejectRatio*float64(total) {
		rerr := &RejectError{Path: path, Rejected: rej.count, Rows: rows, Limit: l.o.MaxRejectRatio, First: rej.first(5)}
		if err := rej.write(ctx, l.conn, a.FileID, a.AttemptID, l.o.Now()); err != nil {
			l.log.Warn("write rejects", "err", err)
		}
		res.Rows = 0
		return cleanup(rerr)
	}
	if err := rej.write(ctx, l.conn, a.FileID, a.AttemptID, l.o.Now()); err != nil {
		return cleanup(err)
	}
	l.log.Debug("staged", "rows", rows, "rejected", rej.count, "seconds", l.o.Now().Sub(start).Seconds())
	if err := l.checkBeforePublish(ctx, a, c); err != nil {
		return cleanup(err)
	}
	published, err = l.publish(ctx, a, rows)
	if err != nil {
		return cleanup(err)
	}
	a.Status, a.Rows, a.Rejected, a.FinishedAt = StatusLoaded, uint64(rows), uint64(rej.count), l.o.Now()
	if err := l.ledger.put(ctx, *a); err != nil {
		return cleanup(err)
	}
	l.log.Debug("published", "seconds", l.o.Now().Sub(start).Seconds())
	res.LoadedAt = a.FinishedAt.UTC().Truncate(time.Second) // as the ledger keeps it
	if err := l.dropStage(ctx, a); err != nil {
		l.log.Warn("drop staging table after publishing (the sweep drops it)", "table", l.stageName(a), "err", err)
	}
	return nil
}

// rowReader is a file format's row source.
type rowReader interface {
	// next fills r; it returns io.EOF at the end, a *rowError for a row
	// to reject, or another error that ends the file.
	next(r *rawRow) error
	// text is the current row as text, for rejects.
	text() string
}

// givenColumns is a rowReader whose source has a fixed set of columns
// (a CSV header, a Parquet schema): given()[i] says whether canonical
// column i is among them. The columns it lacks may be left out of the
// insert (schema.omitted).
type givenColumns interface {
	given() []bool
}

// countingReader counts the bytes read from disk, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// corruptReader marks a decompressor's errors as ErrCorrupt.
type corruptReader struct {
	r    io.Reader
	name string
}

func (c corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = corruptf("%s stream: %v", c.name, err)
	}
	return n, err
}

func wrapReadErr(err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("read: %w", err)
}

// open returns the file's decompressed content and a closer.
func open(path string, counter *countingReader) (io.Reader, func(), error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	counter.r = f
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		zr, err := gzip.NewReader(counter)
		if err != nil {
			f.Close()
			return nil, nil, corruptf("gzip: %v", err)
		}
		return corruptReader{zr, "gzip"}, func() { zr.Close(); f.Close() }, nil
	case strings.HasSuffix(lower, ".zst"):
		zr, err := zstd.NewReader(counter, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			f.Close()
			return nil, nil, corruptf("zstd: %v", err)
		}
		return corruptReader{zr, "zstd"}, func() { zr.Close(); f.Close() }, nil
	}
	return counter, func() { f.Close() }, nil
}

// newReader opens the file for its format.
func (l *Loader) newReader(path string, format Format, counter *countingReader) (rowReader, []string, func(), error) {
	r, closeFn, err := open(path, counter)
	if err != nil {
		return nil, nil, nil, err
	}
	switch format {
	case CSV:
		cr, ignored, err := newCSVReader(r, l.s, l.o.Mapping, l.o.Delimiter)
		if err != nil {
			closeFn()
			return nil, nil, nil, err
		}
		return cr, ignored, closeFn, nil
	case NDJSON:
		nr, err := newNDJSONReader(r, l.s, l.o.Mapping)
		if err != nil {
			closeFn()
			return nil, nil, nil, err
		}
		return nr, nil, closeFn, nil
	}
	// Parquet needs random access: a compressed file is spooled to a
	// temporary file first.
	var ra io.ReaderAt
	var size int64
	if f, ok := r.(*countingReader); ok {
		osf := f.r.(*os.File)
		st, err := osf.Stat()
		if err != nil {
			closeFn()
			return nil, nil, nil, err
		}
		ra, size = osf, st.Size()
		counter.n.Store(size)
	} else {
		tmp, err := os.CreateTemp("", "memberlytics-parquet-*")
		if err != nil {
			closeFn()
			return nil, nil, nil, err
		}
		os.Remove(tmp.Name())
		n, err := io.Copy(tmp, r)
		closeFn()
		if err != nil {
			tmp.Close()
			return nil, nil, nil, wrapReadErr(err)
		}
		ra, size = tmp, n
		closeFn = func() { tmp.Close() }
	}
	pr, ignored, err := newParquetReader(ra, size, l.s, l.o.Mapping)
	if err != nil {
		closeFn()
		return nil, nil, nil, err
	}
	inner := closeFn
	return pr, ignored, func() { pr.close(); inner() }, nil
}

// stageFile reads the file into blocks on one goroutine and inserts them
// into the stage on another, so parsing and sending overlap; two blocks
// are in memory (one filled while the other is sent), their slices reused
// from batch to batch.
func (l *Loader) stageFile(ctx context.Context, path string, format Format, fileID, stage string, rej *rejectLog, size int64, start time.Time, renew func()) (rows, birthdays int64, ignored []string, err error) {
	tp, err := l.fileParser(path, format)
	if err != nil {
		return 0, 0, nil, err
	}
	counter := &countingReader{}
	rr, ignored, closeFn, err := l.newReader(path, format, counter)
	if err != nil {
		return 0, 0, nil, err
	}
	defer closeFn()
	if len(ignored) > 0 {
		l.log.Info("ignoring columns that map to no canonical column", "path", path, "columns", ignored)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rb := newRecordBuilder(l.s, tp, l.o.Now(), rej)
	rb.decimalComma = l.o.NumberFormat == "1.234,56"
	var omit []bool
	if g, ok := rr.(givenColumns); ok {
		omit = l.s.omitted(g.given())
	}
	rb.prepare(omit, l.o.BatchRows)
	recs := make(chan *block)
	sendErr := make(chan error, 1)
	var sent atomic.Int64
	loadedAt := l.o.Now().Unix()
	insert := "INSERT INTO " + stage + " (" + l.s.insertColumns(rb.omit) + ")"
	l.unknownOrders = 0
	go func() {
		var (
			err error
			b   warehouse.Batch
		)
		for blk := range recs {
			if err == nil && l.o.Kind == Items {
				// The lookup needs a connection of its own (a pool may have
				// one): end the open insert of the previous block first.
				if b != nil {
					err, b = b.Send(), nil
				}
				var n int64
				if err == nil {
					n, err = l.fillItemMembers(ctx, blk)
				}
				l.unknownOrders += n
				if err != nil {
					cancel()
				}
			}
			if err == nil {
				b, err = l.sendBlock(ctx, b, insert, blk)
				if err == nil {
					n := sent.Add(int64(blk.rows))
					renew()
					if l.o.Progress != nil {
						l.o.Progress(Progress{Path: path, Rows: n, BytesRead: counter.n.Load(), Bytes: size, Elapsed: l.o.Now().Sub(start)})
					}
				} else {
					cancel()
				}
			}
			// The driver has copied the block's values (or the load
			// failed): its slices serve a later batch. The reader waits
			// for it (take), so every block comes back.
			rb.recycle(blk)
		}
		if b != nil {
			if err == nil && ctx.Err() == nil {
				err = b.Send()
			} else {
				_ = b.Abort()
			}
		}
		sendErr <- err
	}()

	raw := newRawRow(len(l.s.cols))
	text := rr.text
	// emit hands the rows built so far to the sender as one block.
	emit := func() error {
		blk := rb.take(fileID, loadedAt)
		if blk == nil {
			return nil
		}
		select {
		case recs <- blk:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	readErr := func() error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := rr.next(raw)
			if errors.Is(err, io.EOF) {
				break
			}
			var re *rowError
			if errors.As(err, &re) {
				rej.addN(re.lines, re.line, "", re.reason, re.raw)
				continue
			}
			if err != nil {
				return err
			}
			rb.add(raw, text)
			if rb.rows >= l.o.BatchRows {
				if err := emit(); err != nil {
					return err
				}
			}
		}
		return emit()
	}()
	if readErr != nil {
		cancel() // the sender aborts its open insert instead of sending it
	}
	close(recs)
	serr := <-sendErr
	if serr != nil {
		return sent.Load(), rb.birthdaysNulled, ignored, fmt.Errorf("insert into staging table: %w", serr)
	}
	if readErr != nil {
		return sent.Load(), rb.birthdaysNulled, ignored, readErr
	}
	return sent.Load(), rb.birthdaysNulled, ignored, nil
}

// flusher is a Batch that can send a block and keep the insert open
// (warehouse.CH's batches can).
type flusher interface{ Flush() error }

// decimalAppender is a Batch that takes Decimal64 columns as scaled
// integers (warehouse.CH's batches do).
type decimalAppender interface {
	AppendDecimal64(i int, scaled []int64, scale int) error
}

// appendColumn appends one column's values to b.
func appendColumn(b warehouse.Batch, i int, c any) error {
	if v, ok := c.(cents); ok {
		if d, ok := b.(decimalAppender); ok {
			return d.AppendDecimal64(i, v, 2)
		}
		return b.Column(i).Append(v.decimals())
	}
	return b.Column(i).Append(c)
}

// sendBlock appends one block column by column to the open insert b
// (starting one when b is nil) and sends it. With a flusher the insert
// stays open for the next block and is returned; otherwise each block is
// its own insert and nil is returned.
func (l *Loader) sendBlock(ctx context.Context, b warehouse.Batch, insert string, blk *block) (warehouse.Batch, error) {
	var err error
	if b == nil {
		if b, err = l.conn.PrepareBatch(ctx, insert); err != nil {
			return nil, err
		}
	}
	t1 := time.Now()
	for i, c := range blk.cols {
		if err := appendColumn(b, i, c); err != nil {
			return b, fmt.Errorf("column %d: %w", i, err)
		}
	}
	t2 := time.Now()
	f, ok := b.(flusher)
	if ok {
		err = f.Flush()
	} else {
		err = b.Send()
		b = nil
	}
	l.log.Debug("block sent", "rows", blk.rows, "append_seconds", t2.Sub(t1).Seconds(), "send_seconds", time.Since(t2).Seconds())
	return b, err
}
