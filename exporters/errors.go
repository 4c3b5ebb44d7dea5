package exporters

import "errors"

var (
	// ErrNotAllowed is returned for a table name that is not in the
	// exporter's allow-list (its Catalog).
	ErrNotAllowed = errors.New("table not in the export allow-list")
	// ErrUnsupportedType is returned for a ClickHouse column type the
	// exporters cannot write.
	ErrUnsupportedType = errors.New("unsupported column type")
	// ErrOutsideDir is returned for an output path that is not inside the
	// configured export directory (after resolving .. and symbolic links).
	ErrOutsideDir = errors.New("path outside the export directory")
	// ErrLocked is returned when another export holds the directory's lock.
	ErrLocked = errors.New("another export is running in this directory")
	// ErrUnknownFormat is returned for a format other than parquet, csv and
	// arrow.
	ErrUnknownFormat = errors.New("unknown export format")
)

var (
	// ErrNoSnapshot is returned for a date with no complete snapshot
	// (internal/platform/snapshot): its model outputs are missing, incomplete or
	// being re-run, so nothing is published.
	ErrNoSnapshot = errors.New("no complete snapshot")
	// ErrSnapshotChanged is returned when the snapshot an export read was
	// withdrawn or replaced, or a table's partition replaced, while the
	// export ran; nothing is published. Export again once the re-run has
	// published its snapshot.
	ErrSnapshotChanged = errors.New("snapshot changed during the export")
	// ErrMassExit is returned when more than Options.MaxExitShare of a
	// family's members in the previous snapshot leave it.
	ErrMassExit = errors.New("too many members leave a segment family")
)
