package loaders

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// SweepOptions configure Sweep.
type SweepOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Lease is how old a stage or 'loading' attempt without any lease row
	// (left by a version before leases) must be to be swept; 0 means
	// DefaultLease.
	Lease time.Duration
	// DryRun reports what would be swept and changes nothing.
	DryRun bool
	// Logger receives a line per table dropped and attempt abandoned; nil
	// discards them.
	Logger *slog.Logger
}

// Swept is what Sweep did (or, with DryRun, would do).
type Swept struct {
	// Dropped are the staging tables dropped, as database.table (with
	// "shard N: " in front in cluster mode).
	Dropped []string
	// Abandoned are the attempts marked abandoned, as file_id/attempt_id.
	Abandoned []string
}

var (
	// stagePattern matches an attempt's stage: kind, file id, attempt id.
	stagePattern = regexp.MustCompile(`^(members|orders|events|items|campaigns)_stage_([0-9a-f]{16})_([0-9a-f]{16})(_local)?$`)
	// legacyStagePattern matches the stages of versions before leases,
	// which lived in the main database.
	legacyStagePattern = `^(members|orders|events)_stage_[0-9a-f]{16}(_local)?$`
)

// Sweep cleans up after loads that died. It drops the staging tables whose
// attempt no longer holds its file's lease (released, expired, or never
// recorded), and marks 'abandoned' the load_files attempts still
// 'loading' whose lease has expired. A stage or attempt of a live lease is
// never touched, so Sweep is safe while other loads run. Every Loader
// sweeps once before its first file; memberlytics clean calls it too.
// In cluster mode it drops stages on every shard.
func Sweep(ctx context.Context, conn Conn, o SweepOptions) (Swept, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var out Swept
	if err := sweepStages(ctx, conn, o, log, &out); err != nil {
		return out, fmt.Errorf("sweep staging tables: %w", err)
	}
	if err := sweepAttempts(ctx, conn, o, log, &out); err != nil {
		return out, fmt.Errorf("sweep abandoned attempts: %w", err)
	}
	return out, nil
}

type shardConn struct {
	conn  Conn
	where string
	// replica is set when conn is one replica of a replicated shard:
	// its stages are swept best-effort, since the load itself goes
	// through whichever replica is up.
	replica bool
}

func shardsOf(conn Conn) []shardConn {
	topo, ok := warehouse.TopologyOf(conn)
	if !ok {
		return []shardConn{{conn, "", false}}
	}
	var out []shardConn
	for i, sh := range topo.Shards {
		if !topo.Replicated {
			out = append(out, shardConn{sh, fmt.Sprintf("shard %d: ", i+1), false})
			continue
		}
		// Stages are per replica: sweep each one.
		for j, r := range topo.ReplicasOf(i) {
			out = append(out, shardConn{r, fmt.Sprintf("shard %d replica %d: ", i+1, j+1), true})
		}
	}
	return out
}

func sweepStages(ctx context.Context, conn Conn, o SweepOptions, log *slog.Logger, out *Swept) error {
	type found struct {
		sc     shardConn
		t      warehouse.WorkTableInfo
		fileID string
		id     string
	}
	var stages []found
	now := o.Now()
	for _, sc := range shardsOf(conn) {
		db := sc.conn.Database()
		ts, err := warehouse.ListTables(ctx, sc.conn, warehouse.WorkDatabase(db), stagePattern.String())
		if skipReplica(ctx, sc, err, log) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s%w", sc.where, err)
		}
		for _, t := range ts {
			m := stagePattern.FindStringSubmatch(t.Name)
			stages = append(stages, found{sc, t, m[2], m[3]})
		}
		legacy, err := warehouse.ListTables(ctx, sc.conn, db, legacyStagePattern)
		if skipReplica(ctx, sc, err, log) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s%w", sc.where, err)
		}
		for _, t := range legacy {
			if now.Sub(time.Unix(t.Modified, 0)) > o.Lease {
				stages = append(stages, found{sc: sc, t: t})
			}
		}
	}
	if len(stages) == 0 {
		return nil
	}
	// Claims are read after the tables are listed: a stage is created
	// after its attempt's claim, so a live attempt's claim is seen here.
	var ids []string
	for _, s := range stages {
		if s.fileID != "" {
			ids = append(ids, s.fileID)
		}
	}
	cs, err := leases{conn: conn, now: o.Now, vs: &versions{}}.claims(ctx, ids...)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, c := range cs {
		if c.live(now) {
			live[c.AttemptID] = true
		}
	}
	for _, s := range stages {
		if s.id != "" && live[s.id] {
			continue
		}
		name := s.sc.where + s.t.Database + "." + s.t.Name
		out.Dropped = append(out.Dropped, name)
		if o.DryRun {
			continue
		}
		q := "DROP TABLE IF EXISTS " + warehouse.QuoteIdent(s.t.Database) + "." + warehouse.QuoteIdent(s.t.Name)
		if err := s.sc.conn.Exec(ctx, q); err != nil {
			if skipReplica(ctx, s.sc, err, log) {
				continue
			}
			return fmt.Errorf("%sdrop staging table %s.%s: %w", s.sc.where, s.t.Database, s.t.Name, err)
		}
		log.Info("dropped a staging table whose load no longer holds its lease", "table", name)
	}
	return nil
}

// skipReplica reports whether err is a replica that cannot be reached (no
// server answered), which the sweep passes over with a warning: its stages
// wait for the next sweep after it is back. Any other error, and any
// error from an unreplicated shard, stops the sweep.
func skipReplica(ctx context.Context, sc shardConn, err error, log *slog.Logger) bool {
	if err == nil || !sc.replica || !warehouse.Unreachable(ctx, err) {
		return false
	}
	log.Warn("skipped the staging tables of an unreachable replica", "replica", strings.TrimSuffix(sc.where, ": "), "err", err)
	return true
}

// sweepAttempts marks abandoned the attempts still 'loading' whose lease
// has expired (or, with no lease row at all, that started more than a
// lease ago). The abandoned row's version is one above the
// attempt's last, so an attempt that records its end meanwhile wins.
func sweepAttempts(ctx context.Context, conn Conn, o SweepOptions, log *slog.Logger, out *Swept) error {
	// argMax per attempt rather than FINAL with a filter on status: the
	// filter must apply to each attempt's newest row, whatever the version.
	rows, err := conn.Query(ctx, `SELECT file_id, attempt_id, argMax(sha256, version), argMax(path, version), argMax(kind, version),
		argMax(format, version), argMax(source, version), argMax(bytes, version), argMax(rows, version), argMax(rejected, version),
		argMax(forced, version), argMax(started_at, version), max(version), argMax(status, version) AS st
		FROM load_files GROUP BY file_id, attempt_id HAVING st = 'loading'`)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	type loading struct {
		a       attempt
		version uint64
	}
	var stuck []loading
	for rows.Next() {
		var (
			l      loading
			kind   string
			forced uint8
			status string
		)
		if err := rows.Scan(&l.a.FileID, &l.a.AttemptID, &l.a.SHA256, &l.a.Path, &kind, &l.a.Format, &l.a.Source, &l.a.Bytes,
			&l.a.Rows, &l.a.Rejected, &forced, &l.a.StartedAt, &l.version, &status); err != nil {
			rows.Close()
			return fmt.Errorf("ledger: %w", err)
		}
		l.a.Kind, l.a.Forced, l.a.Status = Kind(kind), forced == 1, Status(status)
		stuck = append(stuck, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if len(stuck) == 0 {
		return nil
	}
	ids := make([]string, len(stuck))
	for i, s := range stuck {
		ids[i] = s.a.FileID
	}
	cs, err := leases{conn: conn, now: o.Now, vs: &versions{}}.claims(ctx, ids...)
	if err != nil {
		return err
	}
	byAttempt := map[string]claim{}
	for _, c := range cs {
		byAttempt[c.AttemptID] = c
	}
	now := o.Now()
	for _, s := range stuck {
		c, ok := byAttempt[s.a.AttemptID]
		var why string
		switch {
		case ok && now.Before(c.ExpiresAt):
			// Live, or released by a load whose last ledger write may
			// still be on its way: wait for the expiry either way.
			continue
		case ok:
			why = fmt.Sprintf("its lease (%s) expired at %s", c.Owner, c.ExpiresAt.UTC().Format(time.DateTime+" UTC"))
		case now.Sub(s.a.StartedAt) > o.Lease:
			why = "it has no lease and started more than a lease ago"
		default:
			continue
		}
		out.Abandoned = append(out.Abandoned, s.a.FileID+"/"+s.a.AttemptID)
		if o.DryRun {
			continue
		}
		a := s.a
		a.Status, a.Error, a.FinishedAt = StatusAbandoned, "abandoned: "+why, now
		led := ledger{conn: conn, now: func() time.Time { return time.Unix(0, int64(s.version+1)) }, vs: &versions{}}
		if err := led.put(ctx, a); err != nil {
			return err
		}
		log.Warn("marked an attempt abandoned", "file_id", a.FileID, "attempt_id", a.AttemptID, "path", a.Path, "reason", why)
	}
	return nil
}
