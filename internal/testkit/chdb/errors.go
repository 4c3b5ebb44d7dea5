package chdb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

var (
	// ErrLibraryNotFound is returned by Locate when libchdb.so is in neither
	// of the places it looks.
	ErrLibraryNotFound = errors.New("libchdb.so not found")
	// ErrEngineInUse is returned by Open when the process already runs an
	// engine from a different library or data directory: chDB runs one
	// engine per process.
	ErrEngineInUse = errors.New("chdb engine already running with another library or data directory")
	// ErrClosed is returned by calls on a closed Conn.
	ErrClosed = errors.New("chdb connection is closed")
	// ErrBatchSent is returned by a Batch that was already sent or aborted.
	ErrBatchSent = errors.New("batch has already been sent or aborted")
)

// exceptionRE matches the text chDB gives for a ClickHouse exception:
// "Code: 60. DB::Exception: Unknown table ... (UNKNOWN_TABLE)".
var exceptionRE = regexp.MustCompile(`(?s)^\s*Code:\s*(\d+)\.\s*(?:([A-Za-z_:]+Exception):\s*)?(.*?)\s*(?:\(([A-Z][A-Z0-9_]*)\))?\s*$`)

// parseError turns the error text of a chDB result into an error. A
// ClickHouse exception becomes a *clickhouse.Exception, the same type
// clickhouse-go returns, so callers use one errors.As for both engines.
func parseError(text string) error {
	m := exceptionRE.FindStringSubmatch(text)
	if m == nil {
		return errors.New(strings.TrimSpace(text))
	}
	code, err := strconv.ParseInt(m[1], 10, 32)
	if err != nil {
		return errors.New(strings.TrimSpace(text))
	}
	name := m[2]
	if name == "" {
		name = "DB::Exception"
	}
	msg := m[3]
	if m[4] != "" {
		// Keep the message as ClickHouse wrote it; the code name is
		// also carried on its own.
		msg += " (" + m[4] + ")"
	}
	return &clickhouse.Exception{Code: int32(code), Name: name, CodeName: m[4], Message: msg}
}
