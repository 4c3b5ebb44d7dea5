package loaders

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Status is the state of one attempt in the load_files ledger.
type Status string

// Attempt states.
const (
	StatusLoading Status = "loading"
	StatusLoaded  Status = "loaded"
	StatusFailed  Status = "failed"
	// StatusAbandoned is an attempt that stopped while loading (its process
	// died) and whose lease expired; Sweep sets it.
	StatusAbandoned Status = "abandoned"
)

// attempt is one row of load_files.
type attempt struct {
	FileID, AttemptID, SHA256, Path string
	Kind                            Kind
	Format, Source                  string
	Bytes, Rows, Rejected           uint64
	Status                          Status
	Error                           string
	Forced                          bool
	StartedAt, FinishedAt           time.Time

	// staged says, in cluster mode, which replica of each shard got a
	// local stage (not part of the ledger row).
	staged [][]bool
}

// versions hands out row versions for load_files and load_leases: unix
// nanoseconds, or one more than the last version handed out, whichever is
// greater, so one Loader's rows are ordered even when the clock stands
// still or steps back. Safe for concurrent use.
type versions struct{ last atomic.Uint64 }

func (vs *versions) next(now time.Time) uint64 {
	v := uint64(now.UnixNano())
	for {
		last := vs.last.Load()
		if v <= last {
			v = last + 1
		}
		if vs.last.CompareAndSwap(last, v) {
			return v
		}
	}
}

// ledger reads and writes load_files.
type ledger struct {
	conn Conn
	now  func() time.Time
	vs   *versions
}

// put writes a version of the attempt's row; the newest version wins.
func (l ledger) put(ctx context.Context, a attempt) error {
	b, err := l.conn.PrepareBatch(ctx, "INSERT INTO load_files (file_id, attempt_id, sha256, path, kind, format, source, bytes, rows, rejected, status, error, forced, started_at, finished_at, version)")
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	forced := uint8(0)
	if a.Forced {
		forced = 1
	}
	if len(a.Error) > 4000 {
		a.Error = a.Error[:4000]
	}
	if err := b.Append(a.FileID, a.AttemptID, a.SHA256, a.Path, string(a.Kind), a.Format, a.Source, a.Bytes, a.Rows, a.Rejected,
		string(a.Status), a.Error, forced, a.StartedAt.UTC(), a.FinishedAt.UTC(), l.vs.next(l.now())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("ledger: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	return nil
}

// history returns the file's attempts, newest first.
func (l ledger) history(ctx context.Context, fileID string) ([]attempt, error) {
	rows, err := l.conn.Query(ctx, `SELECT attempt_id, path, kind, status, rows, rejected, started_at, finished_at
		FROM load_files FINAL WHERE file_id = ? ORDER BY started_at DESC, version DESC`, fileID)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer rows.Close()
	var out []attempt
	for rows.Next() {
		a := attempt{FileID: fileID}
		var kind, status string
		if err := rows.Scan(&a.AttemptID, &a.Path, &kind, &status, &a.Rows, &a.Rejected, &a.StartedAt, &a.FinishedAt); err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		a.Kind, a.Status = Kind(kind), Status(status)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return out, nil
}
