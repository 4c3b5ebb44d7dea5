// Package genload loads the CSV files written by internal/devtools/datagen into the
// raw tables (members, orders, events) of a migrated database, for the
// predictive models' integration tests and benchmarks. It is test support,
// not a loader: no lineage bookkeeping, no staging, no idempotence beyond
// the raw tables' ReplacingMergeTree keys.
package genload

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// batchRows bounds the rows held in one insert batch.
const batchRows = 200_000

// Filter decides whether a row dated t is loaded. Nil loads every row.
type Filter func(t time.Time) bool

// Before returns a filter keeping rows dated strictly before t.
func Before(t time.Time) Filter { return func(x time.Time) bool { return x.Before(t) } }

// NotBefore returns a filter keeping rows dated at or after t.
func NotBefore(t time.Time) Filter { return func(x time.Time) bool { return !x.Before(t) } }

// All loads members.csv, orders.csv and events.csv from dir into conn;
// orders and events pass through keep (by ordered_at and event_time).
func All(ctx context.Context, conn warehouse.Conn, dir string, keep Filter) error {
	if err := Members(ctx, conn, dir); err != nil {
		return err
	}
	if err := Orders(ctx, conn, dir, keep); err != nil {
		return err
	}
	return Events(ctx, conn, dir, keep)
}

// Members loads members.csv.
func Members(ctx context.Context, conn warehouse.Conn, dir string) error {
	const q = `INSERT INTO members (member_id, joined_at, birthday, gender, region, channel, source_tier, updated_at, file_id, loaded_at)`
	now := time.Now().UTC().Truncate(time.Second)
	return load(ctx, conn, filepath.Join(dir, "members.csv"), q, func(b warehouse.Batch, r []string) error {
		joined, err := ts(r[1])
		if err != nil {
			return err
		}
		upd, err := ts(r[7])
		if err != nil {
			return err
		}
		var bday *time.Time
		if r[2] != "" {
			d, err := time.Parse(time.DateOnly, r[2])
			if err != nil {
				return err
			}
			// Date starts in 1970 on modern ClickHouse; the predictive
			// models do not read birthdays, so earlier ones load as NULL.
			if d.Year() >= 1970 {
				bday = &d
			}
		}
		return b.Append(r[0], joined, bday, r[3], r[4], r[5], r[6], upd, "genload", now)
	})
}

// Orders loads orders.csv rows whose ordered_at passes keep.
func Orders(ctx context.Context, conn warehouse.Conn, dir string, keep Filter) error {
	const q = `INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at)`
	now := time.Now().UTC().Truncate(time.Second)
	return load(ctx, conn, filepath.Join(dir, "orders.csv"), q, func(b warehouse.Batch, r []string) error {
		at, err := ts(r[2])
		if err != nil {
			return err
		}
		if keep != nil && !keep(at) {
			return errSkip
		}
		upd, err := ts(r[9])
		if err != nil {
			return err
		}
		amount, err := decimal.NewFromString(r[3])
		if err != nil {
			return err
		}
		discount, err := decimal.NewFromString(r[4])
		if err != nil {
			return err
		}
		items, err := strconv.ParseUint(r[5], 10, 32)
		if err != nil {
			return err
		}
		return b.Append(r[0], r[1], at, amount, discount, uint32(items), r[6], r[7], r[8], upd, "genload", now)
	})
}

// Events loads events.csv rows whose event_time passes keep.
func Events(ctx context.Context, conn warehouse.Conn, dir string, keep Filter) error {
	const q = `INSERT INTO events (event_id, member_id, event_time, event_type, value, properties, file_id, loaded_at)`
	now := time.Now().UTC().Truncate(time.Second)
	return load(ctx, conn, filepath.Join(dir, "events.csv"), q, func(b warehouse.Batch, r []string) error {
		at, err := ts(r[2])
		if err != nil {
			return err
		}
		if keep != nil && !keep(at) {
			return errSkip
		}
		v, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			return err
		}
		return b.Append(r[0], r[1], at, r[3], v, r[5], "genload", now)
	})
}

var errSkip = errors.New("skip row")

func ts(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

// load streams one CSV file into the table of insert in bounded batches.
func load(ctx context.Context, conn warehouse.Conn, path, insert string, add func(warehouse.Batch, []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("genload: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // header
		return fmt.Errorf("genload %s: header: %w", path, err)
	}
	var b warehouse.Batch
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return fmt.Errorf("genload %s line %d: %w", path, line, err)
		}
		if b == nil {
			if b, err = conn.PrepareBatch(ctx, insert); err != nil {
				return fmt.Errorf("genload %s: %w", path, err)
			}
		}
		if err := add(b, rec); err != nil && !errors.Is(err, errSkip) {
			_ = b.Abort()
			return fmt.Errorf("genload %s line %d: %w", path, line, err)
		}
		if b.Rows() >= batchRows {
			if err := b.Send(); err != nil {
				return fmt.Errorf("genload %s: %w", path, err)
			}
			b = nil
		}
	}
	if b != nil {
		if b.Rows() == 0 {
			return b.Abort()
		}
		if err := b.Send(); err != nil {
			return fmt.Errorf("genload %s: %w", path, err)
		}
	}
	return nil
}
