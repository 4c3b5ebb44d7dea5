// Package warehouse is memberlytics' connection to ClickHouse.
//
// Models, loaders, exporters and migrations depend on the small Conn
// interface below, never on the driver, so the same code runs against a
// ClickHouse server over the native protocol (Open) and against the
// in-process engine the tests use for modern ClickHouse.
package warehouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Conn is what memberlytics needs from ClickHouse. Implementations are safe
// for concurrent use.
//
// Values reach SQL as client-side bound parameters (? or @name with
// clickhouse.Named); server-side {name:Type} parameters are not used because
// ClickHouse 18.16 rejects them.
type Conn interface {
	// Exec runs a statement that returns no rows. Do not send
	// INSERT ... VALUES through Exec: on ClickHouse 18.16 it never returns
	// over the native protocol. Use PrepareBatch, or INSERT ... SELECT.
	Exec(ctx context.Context, query string, args ...any) error
	// Query runs a statement and returns its rows; the caller closes them.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// PrepareBatch starts a batch insert. The query must name its columns:
	// INSERT INTO t (a, b, c).
	PrepareBatch(ctx context.Context, query string) (Batch, error)
	// ServerVersion reports the server's version.
	ServerVersion(ctx context.Context) (Version, error)
	// Database is the database unqualified table names resolve in.
	Database() string
	// Close releases the connection pool.
	Close() error
}

// Rows is a result set. Scan follows clickhouse-go's typing: a UInt64
// column scans into *uint64, Float64 into *float64, String into *string,
// Date and DateTime into *time.Time, Decimal into *decimal.Decimal.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() []string
	Err() error
	Close() error
}

// Batch is a pending insert. Rows are added with Append (row-wise) or
// Column(i).Append(slice) (column-wise, all columns the same length), then
// sent with Send, or dropped with Abort.
type Batch interface {
	Append(v ...any) error
	Column(i int) BatchColumn
	Rows() int
	Send() error
	Abort() error
}

// BatchColumn receives a whole slice of values for one column of a Batch.
type BatchColumn interface {
	Append(v any) error
}

// Version is a ClickHouse server version.
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion reads "18.16.1" or "26.7.2.1" style version strings.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 {
		return Version{}, fmt.Errorf("parse version %q: want major.minor[.patch]", s)
	}
	var v Version
	dst := []*int{&v.Major, &v.Minor, &v.Patch}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return Version{}, fmt.Errorf("parse version %q: %w", s, err)
		}
		*dst[i] = n
	}
	return v, nil
}

// AtLeast reports whether v is the same as or newer than major.minor.
func (v Version) AtLeast(major, minor int) bool {
	if v.Major != major {
		return v.Major > major
	}
	return v.Minor >= minor
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }
