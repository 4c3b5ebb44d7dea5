package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Warehouse is what the run history and the checks need from ClickHouse.
type Warehouse interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
	PrepareBatch(ctx context.Context, query string) (warehouse.Batch, error)
}

// Store is the run history in the job_runs table. It is safe for
// concurrent use. Every state change appends a row with a higher version;
// reads return each run's latest state.
type Store struct {
	wh      Warehouse
	runsSQL string
	now     func() time.Time
}

// NewStore returns a Store on wh, whose database has migrations 050,
// 051 and 052 applied.
func NewStore(wh Warehouse) (*Store, error) {
	q, err := sql.Jobs("runs")
	if err != nil {
		return nil, err
	}
	return &Store{wh: wh, runsSQL: q, now: time.Now}, nil
}

const insertRun = `INSERT INTO job_runs (run_id, batch_id, job, as_of, trigger, status, attempt, started_at, finished_at, rows_in, rows_out, error, checks, owner, heartbeat_at, lease_seconds, duration_ms, version)`

// Write records r's current state. Rows go through a batch: INSERT ...
// VALUES sent with Exec never returns on ClickHouse 18.16.
func (s *Store) Write(ctx context.Context, r Run) error {
	checks := []byte("[]")
	if len(r.Checks) > 0 {
		var err error
		if checks, err = json.Marshal(r.Checks); err != nil {
			return fmt.Errorf("record run %s: %w", r.RunID, err)
		}
	}
	b, err := s.wh.PrepareBatch(warehouse.WithQueryName(ctx, "job_runs_write"), insertRun)
	if err != nil {
		return fmt.Errorf("record run %s of %s: %w", r.RunID, r.Job, err)
	}
	finished := r.FinishedAt
	if finished.IsZero() {
		finished = time.Unix(0, 0)
	}
	heartbeat := r.HeartbeatAt
	if heartbeat.IsZero() {
		heartbeat = r.StartedAt
	}
	lease := uint32((r.Lease + time.Second - 1) / time.Second) // whole seconds, rounded up
	err = b.Append(r.RunID, r.BatchID, r.Job, Date(r.AsOf), string(r.Trigger), string(r.Status), uint32(r.Attempt),
		r.StartedAt.UTC(), finished.UTC(), r.RowsIn, r.RowsOut, r.Error, string(checks), r.Owner, heartbeat.UTC(), lease,
		uint64(r.Duration().Milliseconds()), uint64(s.now().UnixNano()))
	if err != nil {
		_ = b.Abort()
		return fmt.Errorf("record run %s of %s: %w", r.RunID, r.Job, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record run %s of %s: %w", r.RunID, r.Job, err)
	}
	return nil
}

// Filter selects runs. Zero values select everything; Limit 0 means 100.
type Filter struct {
	Job   string
	RunID string
	// BatchID selects the runs of one trigger.
	BatchID string
	Status  Status
	// From and To bound as_of, inclusive.
	From, To time.Time
	Limit    int
}

// List returns runs in their latest state, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Run, error) {
	// Unbounded by default, so runs recorded before CheckDateRange (as
	// 1970-01-01, or after 2105) are listed too.
	var from, to string
	if !f.From.IsZero() {
		from = f.From.Format(asof.Layout)
	}
	if !f.To.IsZero() {
		to = f.To.Format(asof.Layout)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.wh.Query(warehouse.WithQueryName(ctx, "job_runs_list"), s.runsSQL,
		clickhouse.Named("job", f.Job),
		clickhouse.Named("run_id", f.RunID),
		clickhouse.Named("batch_id", f.BatchID),
		clickhouse.Named("status", string(f.Status)),
		clickhouse.Named("from", from),
		clickhouse.Named("to", to),
		clickhouse.Named("limit", limit),
	)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var (
			r                  Run
			trigger, st, check string
			attempt            uint32
			created            uint64
			leaseSeconds       uint32
			durationMS         uint64
		)
		if err := rows.Scan(&r.RunID, &r.BatchID, &r.Job, &r.AsOf, &trigger, &st, &attempt,
			&r.StartedAt, &r.FinishedAt, &r.RowsIn, &r.RowsOut, &r.Error, &check, &r.Owner, &r.HeartbeatAt, &leaseSeconds, &durationMS, &created); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		r.Trigger, r.Status, r.Attempt = Trigger(trigger), Status(st), int(attempt)
		r.AsOf = Date(r.AsOf)
		r.StartedAt = r.StartedAt.UTC()
		r.HeartbeatAt = r.HeartbeatAt.UTC()
		r.Lease = time.Duration(leaseSeconds) * time.Second
		if r.FinishedAt.Unix() <= 0 {
			r.FinishedAt = time.Time{}
		} else {
			r.FinishedAt = r.FinishedAt.UTC()
			r.Took = time.Duration(durationMS) * time.Millisecond
		}
		if check != "" && check != "[]" {
			if err := json.Unmarshal([]byte(check), &r.Checks); err != nil {
				return nil, fmt.Errorf("list runs: checks of %s: %w", r.RunID, err)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Get returns one run by id.
func (s *Store) Get(ctx context.Context, runID string) (Run, bool, error) {
	rs, err := s.List(ctx, Filter{RunID: runID, Limit: 1})
	if err != nil || len(rs) == 0 {
		return Run{}, false, err
	}
	return rs[0], true, nil
}

// LatestByDate returns, for one job, the latest run per as_of date in
// [from, to]: what a backfill looks at to decide whether a date needs
// running again.
func (s *Store) LatestByDate(ctx context.Context, job string, from, to time.Time) (map[time.Time]Run, error) {
	return latestByDate(ctx, s, job, from, to)
}
