package jobs

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// Job is one unit of work run for a business date. Run must honour ctx
// (cancellation and the per-job timeout) and be safe to re-run for the same
// asOf: a retry or a backfill runs it again. asOf is a date at midnight UTC.
type Job interface {
	// Name is stable snake_case; it keys the run history and metrics.
	Name() string
	// Run does the work for asOf and reports what it read and wrote.
	Run(ctx context.Context, asOf time.Time) (Stats, error)
}

// Stats is what a run read and wrote (job_runs.rows_in and rows_out).
type Stats struct {
	RowsIn  uint64
	RowsOut uint64
	// Checks are the results of data checks run by this job.
	Checks []CheckResult
}

// Func adapts a function to a Job.
type Func struct {
	JobName string
	Fn      func(ctx context.Context, asOf time.Time) (Stats, error)
}

// Name implements Job.
func (f Func) Name() string { return f.JobName }

// Run implements Job.
func (f Func) Run(ctx context.Context, asOf time.Time) (Stats, error) { return f.Fn(ctx, asOf) }

// Trigger says what started a run.
type Trigger string

// The triggers.
const (
	TriggerSchedule Trigger = "schedule"
	TriggerManual   Trigger = "manual"
	TriggerBackfill Trigger = "backfill"
)

// Valid reports whether t is one of the triggers.
func (t Trigger) Valid() bool {
	return t == TriggerSchedule || t == TriggerManual || t == TriggerBackfill
}

// Status is a run's state.
type Status string

// The statuses. Running is the only non-final one.
const (
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
	StatusSkipped   Status = "skipped"
	StatusAbandoned Status = "abandoned"
)

// Run is one row of the run history.
type Run struct {
	RunID      string        `json:"run_id"`
	BatchID    string        `json:"batch_id"`
	Job        string        `json:"job"`
	AsOf       time.Time     `json:"-"`
	Trigger    Trigger       `json:"trigger"`
	Status     Status        `json:"status"`
	Attempt    int           `json:"attempt"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at,omitzero"`
	RowsIn     uint64        `json:"rows_in"`
	RowsOut    uint64        `json:"rows_out"`
	Error      string        `json:"error,omitempty"`
	Checks     []CheckResult `json:"checks,omitempty"`
	Owner      string        `json:"owner"`
	// HeartbeatAt is when the runner last said the run is alive (whole
	// seconds once stored); the runner rewrites it every heartbeat
	// interval while the run is running.
	HeartbeatAt time.Time `json:"heartbeat_at,omitzero"`
	// Lease is how long after HeartbeatAt a running run counts as dead
	// (see LeaseExpired); 0 for runs recorded before heartbeats existed.
	Lease time.Duration `json:"-"`
	// Took is how long a finished run took, to the millisecond, as the
	// store read it back (job_runs.duration_ms); use Duration.
	Took time.Duration `json:"-"`
}

// Duration is how long a finished run took: Took when the store recorded
// it, else FinishedAt - StartedAt; 0 while it runs.
func (r Run) Duration() time.Duration {
	switch {
	case r.FinishedAt.IsZero():
		return 0
	case r.Took > 0:
		return r.Took
	}
	return max(r.FinishedAt.Sub(r.StartedAt), 0)
}

// LeaseExpired reports whether r is running but its runner has not
// heartbeated for longer than its lease at now: its process or its
// connection to ClickHouse is gone, or it lost its outcome. A second is
// added because heartbeat_at is stored in whole seconds.
func (r Run) LeaseExpired(now time.Time) bool {
	return r.Status == StatusRunning && r.Lease > 0 && now.Sub(r.HeartbeatAt) > r.Lease+time.Second
}

// Date truncates t to its calendar date at midnight UTC, the form asOf
// takes everywhere in this package.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MarshalJSON writes as_of as YYYY-MM-DD.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run
	return json.Marshal(struct {
		plain
		AsOf         string  `json:"as_of"`
		LeaseSeconds float64 `json:"lease_seconds,omitempty"`
		DurationMS   int64   `json:"duration_ms"`
	}{plain(r), r.AsOf.Format(asof.Layout), r.Lease.Seconds(), r.Duration().Milliseconds()})
}

// Statuses are the valid statuses, in the order a run goes through them.
var Statuses = []Status{StatusRunning, StatusSucceeded, StatusFailed, StatusCancelled, StatusSkipped, StatusAbandoned}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Final reports whether s is a terminal state.
func (s Status) Final() bool { return s != StatusRunning }
