package query

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/randid"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// WorkLease is how long a run's stage and scratch tables are safe from the
// sweep. Their names carry its end (unix seconds); once it has passed, the
// next model run or memberlytics clean drops a table its run left behind
// (the run crashed, or lost the server before its clean-up).
const WorkLease = 6 * time.Hour

// WorkPattern matches the work tables' names (stage, scratch, and their
// _local or _<what> suffixes); group 2 is the expiry in unix seconds.
var WorkPattern = regexp.MustCompile(`^[a-z0-9_]+_(stage|tmp)_([0-9]{10})_[0-9a-f]{8}(_[a-z0-9_]+)?$`)

// workName returns a fresh work table name: <base>_<kind>_<expiry>_<random>,
// with kind stage or tmp and expiry now + WorkLease.
func workName(base, kind string, now time.Time) string {
	return fmt.Sprintf("%s_%s_%d_%s", base, kind, now.Add(WorkLease).Unix(), randid.Hex(4))
}

// Work names the scratch tables of one run and drops them.
type Work struct {
	conn   warehouse.Conn
	prefix string
	names  []string
}

// Table returns the quoted, qualified name of the scratch table called
// what (<set>_tmp_<expiry>_<random>_<what> in the work database), to be
// dropped by Drop. The caller's SQL creates it.
func (w *Work) Table(what string) string {
	n := warehouse.WorkTable(w.conn.Database(), w.prefix+what)
	w.names = append(w.names, n)
	return n
}

// Drop drops every table Table named, newest first (views before the
// tables they read); it runs even when the run's context is cancelled and
// ignores errors (the sweep drops what is left once WorkLease has passed).
func (w *Work) Drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := len(w.names) - 1; i >= 0; i-- {
		_ = w.conn.Exec(ctx, "DROP TABLE IF EXISTS "+w.names[i])
	}
}

// Scratch creates the work database when it is missing and returns a Work
// to name this run's scratch tables with; defer its Drop.
func (q *Q) Scratch(ctx context.Context) (*Work, error) {
	if q.conn == nil {
		return nil, fmt.Errorf("%s scratch: %w", q.s.name, errReadOnly)
	}
	if err := warehouse.EnsureWorkDatabase(ctx, q.conn); err != nil {
		return nil, err
	}
	return &Work{conn: q.conn, prefix: workName(q.s.name, "tmp", time.Now()) + "_"}, nil
}

// Stage publishes table's as_of partition through ReplacePartition.
func (q *Q) Stage(ctx context.Context, table string, asOf time.Time, fill func(stage string) error) (uint64, error) {
	if q.conn == nil {
		return 0, fmt.Errorf("%s stage %s: %w", q.s.name, table, errReadOnly)
	}
	return ReplacePartition(ctx, q.conn, table, asOf, fill)
}
