package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Sentinel errors.
var (
	// ErrUnknownJob is returned for a job or pipeline name not in the graph.
	ErrUnknownJob = errors.New("unknown job")
	// ErrDuplicateJob is returned when a name is added to a graph twice.
	ErrDuplicateJob = errors.New("job already added")
	// ErrCycle is returned when dependencies form a cycle.
	ErrCycle = errors.New("dependency cycle")
	// ErrBusy is returned when a job is already running in this process;
	// a job never overlaps itself.
	ErrBusy = errors.New("job already running")
	// ErrShutdown is the cancellation cause when the service stops; runs
	// cut short by it are recorded as cancelled.
	ErrShutdown = errors.New("shutting down")
	// ErrNotStarted is returned by triggers (and /readyz says it) while
	// the service waits for its StartWhen precondition, e.g. pending
	// schema migrations.
	ErrNotStarted = errors.New("scheduler not started")
	// ErrTimeout is the cancellation cause when a job exceeds its timeout.
	ErrTimeout = errors.New("job timed out")
	// ErrUpstream is recorded on runs skipped because a dependency did not succeed.
	ErrUpstream = errors.New("skipped: a dependency did not succeed")
	// ErrChecksFailed is returned by the checks job when a check at fail severity fails.
	ErrChecksFailed = errors.New("data checks failed")
)

// classified marks an error as transient (retry) or permanent (do not).
type classified struct {
	err       error
	transient bool
}

func (e *classified) Error() string { return e.err.Error() }
func (e *classified) Unwrap() error { return e.err }

// Transient marks err as worth retrying (a flaky network, an overloaded
// server). Jobs use it for failures Classify cannot recognise.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, transient: true}
}

// Permanent marks err as not worth retrying (bad input, bad
// configuration), whatever it wraps.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, transient: false}
}

// transientCodes are ClickHouse error codes for overload, timeouts and
// lost connections: the same statement may well succeed later.
var transientCodes = map[int32]string{
	159: "TIMEOUT_EXCEEDED",
	160: "TOO_SLOW",
	164: "READONLY", // replicas in read-only mode during a ZooKeeper blip
	202: "TOO_MANY_SIMULTANEOUS_QUERIES",
	203: "NO_FREE_CONNECTION",
	209: "SOCKET_TIMEOUT",
	210: "NETWORK_ERROR",
	236: "ABORTED",
	241: "MEMORY_LIMIT_EXCEEDED",
	242: "TABLE_IS_READ_ONLY",
	252: "TOO_MANY_PARTS",
	279: "ALL_CONNECTION_TRIES_FAILED",
	285: "TOO_FEW_LIVE_REPLICAS",
	319: "UNKNOWN_STATUS_OF_INSERT",
	425: "SYSTEM_ERROR",
	999: "KEEPER_EXCEPTION",
}

// IsTransient reports whether a failed run should be retried. In order:
// an explicit Transient or Permanent mark wins; cancellation and the job
// timeout are not retried; a ClickHouse exception is transient when its
// code means overload, a timeout or a lost connection, and permanent
// otherwise (syntax, unknown table, bad data); network errors (refused,
// reset, timed out, cut short) are transient. Anything else is permanent:
// an unknown failure is not retried blindly.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var c *classified
	if errors.As(err, &c) {
		return c.transient
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrShutdown) {
		return false
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		_, ok := transientCodes[ex.Code]
		return ok
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	for _, target := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, io.ErrUnexpectedEOF} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// classLabel prefixes recorded errors so the history says whether a
// failure was retried.
func classLabel(err error) string {
	if IsTransient(err) {
		return "transient: "
	}
	return "permanent: "
}

// errUnknown wraps ErrUnknownJob with the name.
func errUnknown(name string) error { return fmt.Errorf("%w %q", ErrUnknownJob, name) }
