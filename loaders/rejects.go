package loaders

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Reject is one refused row: where, which column, why, and the text.
type Reject struct {
	// Line is the line (CSV, NDJSON; the header is line 1) or the 1-based
	// row number (Parquet).
	Line int64
	// Column is the canonical column at fault, empty for a bad row.
	Column string
	Reason string
	Raw    string
}

// String formats the reject as "path:line: column: reason (raw)".
func (r Reject) String(path string) string {
	col := r.Column
	if col == "" {
		col = "row"
	}
	return fmt.Sprintf("%s:%d: %s: %s (%q)", path, r.Line, col, r.Reason, r.Raw)
}

const (
	// maxStoredRejects bounds the rejects kept in memory and written to
	// load_rejects per attempt; the count goes on.
	maxStoredRejects = 100_000
	// maxRawBytes cuts a reject's raw text.
	maxRawBytes = 1000
	// rejectsBatch is the rows per insert into load_rejects.
	rejectsBatch = 10_000
)

// rejectLog collects an attempt's rejects.
type rejectLog struct {
	count  int64
	stored []Reject
}

func (l *rejectLog) add(line int64, column, reason, raw string) {
	l.addN(1, line, column, reason, raw)
}

func (l *rejectLog) addN(n, line int64, column, reason, raw string) {
	l.count += n
	if len(l.stored) >= maxStoredRejects {
		return
	}
	if len(raw) > maxRawBytes {
		raw = raw[:maxRawBytes]
	}
	// A copy: raw may share a reader's chunk of many lines (csvReader),
	// which would otherwise stay in memory with the reject.
	raw = strings.Clone(raw)
	l.stored = append(l.stored, Reject{Line: line, Column: column, Reason: reason, Raw: raw})
}

func (l *rejectLog) first(n int) []Reject {
	if len(l.stored) < n {
		n = len(l.stored)
	}
	return append([]Reject(nil), l.stored[:n]...)
}

// write inserts the stored rejects into load_rejects in batches.
func (l *rejectLog) write(ctx context.Context, conn Conn, fileID, attemptID string, at time.Time) error {
	for start := 0; start < len(l.stored); start += rejectsBatch {
		end := min(start+rejectsBatch, len(l.stored))
		part := l.stored[start:end]
		b, err := conn.PrepareBatch(ctx, "INSERT INTO load_rejects (file_id, attempt_id, line, column, reason, raw, rejected_at)")
		if err != nil {
			return fmt.Errorf("write rejects: %w", err)
		}
		n := len(part)
		ids, atts, lines, cols, reasons, raws, ats := make([]string, n), make([]string, n), make([]uint64, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, r := range part {
			ids[i], atts[i], lines[i], cols[i], reasons[i], raws[i], ats[i] = fileID, attemptID, uint64(max(r.Line, 0)), r.Column, r.Reason, r.Raw, at
		}
		for i, col := range []any{ids, atts, lines, cols, reasons, raws, ats} {
			if err := b.Column(i).Append(col); err != nil {
				_ = b.Abort()
				return fmt.Errorf("write rejects: column %d: %w", i, err)
			}
		}
		if err := b.Send(); err != nil {
			return fmt.Errorf("write rejects: %w", err)
		}
	}
	return nil
}
