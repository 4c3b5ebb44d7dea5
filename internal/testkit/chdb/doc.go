// Package chdb runs modern ClickHouse (26.7, through chDB's libchdb.so)
// inside the test process, behind the same warehouse.Conn interface as the
// clickhouse-go connection, so migrations and models run on it unchanged.
// It exists so tests can prove memberlytics' SQL on a current ClickHouse as
// well as on the 18.16 server installed here.
//
// The library is loaded with purego (no cgo). scripts/fetch-libchdb.sh
// puts it in .cache/chdb/; Locate finds it there or through
// MEMBERLYTICS_LIBCHDB.
//
// # Engine and sessions
//
// chDB runs one engine per process, on one data directory. The first Open
// starts it and keeps a connection of its own open until the process exits
// (shutting the engine down and booting it again is what chDB warns
// against); every Open returns a new session with its own current database
// (WithDatabase) and settings. A Conn serialises its statements with a
// mutex; separate Conns run concurrently.
//
// # How it differs from clickhouse-go, and why
//
//   - Binding is client-side and textual, like clickhouse-go's ? / $N /
//     @name binding, and renders the same literals (strings escaped,
//     floats as cast(x, 'Float64'), bools as 1/0, decimal.Decimal as a
//     string via driver.Valuer, slices as arrays, nil as NULL). Times are
//     always rendered as the UTC instant, toDateTime('...', 'UTC'), where
//     clickhouse-go writes the value's wall clock and relies on the
//     server's zone. A positional argument without a placeholder is an
//     error here, where clickhouse-go drops it silently; unused named
//     arguments are ignored by both (models pass one set of named
//     parameters to every query).
//   - Results travel as RowBinaryWithNamesAndTypes, so values are exact
//     (no float or decimal text round trip) and a column's Go type comes
//     from its ClickHouse type as with the native protocol. Query reads the
//     whole result before returning: Rows hold no engine resources, and
//     other statements may run while they are open.
//   - Scan is as strict as clickhouse-go for typed destinations (a UInt64
//     column needs *uint64) but, for convenience, *any takes any column and
//     *string any scalar column in its text form. Code that relies on that
//     leniency fails on clickhouse-go; the two-engine tests catch it.
//   - Batches are encoded as RowBinary and sent as one INSERT ... FORMAT
//     RowBinary statement. PrepareBatch reads the column types from the
//     table (SELECT cols FROM t LIMIT 0), so appended values are checked
//     then. Integers are range-checked where clickhouse-go would wrap;
//     column-wise Append wants the column's exact Go slice type, as
//     clickhouse-go does.
//   - ClickHouse errors come back as text; they are parsed into the same
//     *clickhouse.Exception (Code, CodeName, Message) clickhouse-go
//     returns, so callers use one errors.As for both engines.
//   - Sessions run with session_timezone=UTC, so results do not depend on
//     the host's zone.
//   - A context is checked before a statement starts; a running statement
//     cannot be interrupted.
package chdb
