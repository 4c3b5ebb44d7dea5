package snapshot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// ErrNone is returned when a date has no published snapshot.
var ErrNone = errors.New("no complete snapshot")

// Status of a model in a snapshot.
const (
	// Succeeded: the model's output rows carry the snapshot's run id.
	Succeeded = "succeeded"
	// Skipped: a precondition did not hold, the model has no output for
	// the date and member_profile's columns from it are NULL.
	Skipped = "skipped"
)

// Querier is what reading snapshots needs: read-only queries.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (warehouse.Rows, error)
}

// Execer is what withdrawing a snapshot needs.
type Execer interface {
	Exec(ctx context.Context, query string, args ...any) error
}

// Run is one model's part of a snapshot.
type Run struct {
	RunID  string
	Status string
}

// Snapshot is the published state of one as_of.
type Snapshot struct {
	// AsOf is the date (UTC midnight).
	AsOf time.Time
	// Runs maps each model to its run.
	Runs map[string]Run
	// PublishedAt is when the snapshot was written.
	PublishedAt time.Time
}

// RunID returns model's run id in s, and false when s lists no such model.
func (s Snapshot) RunID(model string) (string, bool) {
	r, ok := s.Runs[model]
	return r.RunID, ok
}

// Equal reports whether s and o name the same date and runs.
func (s Snapshot) Equal(o Snapshot) bool {
	if !s.AsOf.Equal(o.AsOf) || len(s.Runs) != len(o.Runs) {
		return false
	}
	for m, r := range s.Runs {
		if o.Runs[m] != r {
			return false
		}
	}
	return true
}

// Models returns the snapshot's model names, sorted.
func (s Snapshot) Models() []string {
	out := make([]string, 0, len(s.Runs))
	for m := range s.Runs {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Get returns the snapshot of asOf (its time of day is ignored), or an
// error wrapping ErrNone when the date has none.
func Get(ctx context.Context, q Querier, asOf time.Time) (Snapshot, error) {
	day := asOf.Format(asof.Layout)
	s, err := read(ctx, q, "WHERE as_of = toDate(?)", day)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read snapshot of %s: %w", day, err)
	}
	if len(s.Runs) == 0 {
		return Snapshot{}, fmt.Errorf("as_of %s: %w", day, ErrNone)
	}
	return s, nil
}

// Latest returns the newest snapshot, or an error wrapping ErrNone when
// there is none.
func Latest(ctx context.Context, q Querier) (Snapshot, error) {
	s, err := read(ctx, q, "WHERE as_of = (SELECT max(as_of) FROM snapshots)")
	if err != nil {
		return Snapshot{}, fmt.Errorf("read newest snapshot: %w", err)
	}
	if len(s.Runs) == 0 {
		return Snapshot{}, fmt.Errorf("newest: %w", ErrNone)
	}
	return s, nil
}

// Dates returns every date with a snapshot, newest first.
func Dates(ctx context.Context, q Querier) ([]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT DISTINCT toString(as_of) AS d FROM snapshots ORDER BY d DESC")
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		t, err := time.Parse(asof.Layout, d)
		if err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	return out, nil
}

// Withdraw removes the snapshot of asOf, so the date is no longer
// published: the _latest views fall back to the newest remaining
// snapshot and exports refuse the date until its models run again. The
// model outputs themselves are not touched. It reports whether there was
// a snapshot; withdrawing a date without one is not an error. A `drop
// --as-of D` command calls it before removing the date's outputs.
func Withdraw(ctx context.Context, conn interface {
	Querier
	Execer
}, asOf time.Time) (bool, error) {
	day := asOf.Format(asof.Layout)
	_, err := Get(ctx, conn, asOf)
	if errors.Is(err, ErrNone) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("withdraw snapshot of %s: %w", day, err)
	}
	if err := conn.Exec(ctx, "ALTER TABLE snapshots DROP PARTITION '"+day+"'"); err != nil {
		return false, fmt.Errorf("withdraw snapshot of %s: %w", day, err)
	}
	return true, nil
}

func read(ctx context.Context, q Querier, where string, args ...any) (Snapshot, error) {
	rows, err := q.Query(ctx, "SELECT toString(as_of), model, run_id, status, published_at FROM snapshots "+where+" ORDER BY model", args...)
	if err != nil {
		return Snapshot{}, err
	}
	defer rows.Close()
	s := Snapshot{Runs: map[string]Run{}}
	for rows.Next() {
		var d, model, runID, status string
		var at time.Time
		if err := rows.Scan(&d, &model, &runID, &status, &at); err != nil {
			return Snapshot{}, err
		}
		t, err := time.Parse(asof.Layout, d)
		if err != nil {
			return Snapshot{}, err
		}
		s.AsOf, s.PublishedAt = t, at.UTC()
		s.Runs[model] = Run{RunID: runID, Status: status}
	}
	return s, rows.Err()
}
