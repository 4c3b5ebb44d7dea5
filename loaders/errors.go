package loaders

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrCorrupt means a file is not what its format claims: binary data in
	// CSV or NDJSON, a truncated or damaged Parquet file, a broken gzip or
	// zstd stream.
	ErrCorrupt = errors.New("corrupt file")
	// ErrMissingColumn means a required canonical column is absent from the
	// file (after mapping).
	ErrMissingColumn = errors.New("missing required column")
	// ErrTooManyRejects means the share of refused rows passed
	// MaxRejectRatio; nothing of the file was published.
	ErrTooManyRejects = errors.New("too many rejected rows")
	// ErrUnknownFormat means the format could not be told from the file
	// name and none was given.
	ErrUnknownFormat = errors.New("unknown file format")
	// ErrBeingLoaded means another attempt holds the file's lease: it is
	// being loaded by another process (or an attempt that died less than a
	// lease ago). The error names the owner and since when.
	ErrBeingLoaded = errors.New("file busy")
	// ErrNotRegularFile means a path to load is a directory, a FIFO, a
	// device or a socket; it is refused before anything is read.
	ErrNotRegularFile = errors.New("not a regular file")
	// ErrInvalidOptions means Options are unusable.
	ErrInvalidOptions = errors.New("invalid loader options")
)

// RejectError is returned when a file fails because too many rows were
// refused. It wraps ErrTooManyRejects and carries the first rejects.
type RejectError struct {
	Path     string
	Rejected int64
	Rows     int64
	Limit    float64
	First    []Reject
}

func (e *RejectError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d rows rejected (%.2f%%, limit %.2f%%)", e.Rejected, e.Rows+e.Rejected,
		100*float64(e.Rejected)/float64(max(1, e.Rows+e.Rejected)), 100*e.Limit)
	for _, r := range e.First {
		fmt.Fprintf(&b, "\n  %s", r.String(e.Path))
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrTooManyRejects) hold.
func (e *RejectError) Unwrap() error { return ErrTooManyRejects }

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}
