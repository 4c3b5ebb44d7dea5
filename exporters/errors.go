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
