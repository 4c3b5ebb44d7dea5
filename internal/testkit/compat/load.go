package compat

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Generate writes a small datagen data set (CSV) into dir: members members
// with datagen's default behaviour and the given seed, over the two years
// before datagen.DefaultEnd.
func Generate(ctx context.Context, dir string, members int, seed uint64) error {
	o := datagen.DefaultOptions()
	o.Members, o.Seed, o.OutDir, o.Format, o.Workers = members, seed, dir, datagen.FormatCSV, 1
	if _, err := datagen.Generate(ctx, o); err != nil {
		return fmt.Errorf("generate test data: %w", err)
	}
	return nil
}

// LoadCounts is how many rows LoadGenerated inserted per table.
type LoadCounts struct {
	Members, Orders, Events int
}

// loadBatchRows bounds the rows held in one batch.
const loadBatchRows = 50_000

// LoadGenerated inserts the members.csv, orders.csv and events.csv that
// datagen wrote into dir into conn's members, orders and events tables,
// through PrepareBatch (the path the loaders use), with file_id = the file
// name and loaded_at = loadedAt, so two engines loaded with the same
// arguments hold the same rows. It is not a loader: no staging, no
// validation beyond parsing, for tests only.
func LoadGenerated(ctx context.Context, conn warehouse.Conn, dir string, loadedAt time.Time) (LoadCounts, error) {
	var n LoadCounts
	var err error
	loadedAt = loadedAt.UTC().Truncate(time.Second)
	if n.Members, err = loadCSV(ctx, conn, filepath.Join(dir, "members.csv"), "members", loadedAt, memberRow); err != nil {
		return n, err
	}
	if n.Orders, err = loadCSV(ctx, conn, filepath.Join(dir, "orders.csv"), "orders", loadedAt, orderRow); err != nil {
		return n, err
	}
	if n.Events, err = loadCSV(ctx, conn, filepath.Join(dir, "events.csv"), "events", loadedAt, eventRow); err != nil {
		return n, err
	}
	return n, nil
}

// rowFunc converts one CSV record (in datagen.Columns order) to the
// table's values in the same order.
type rowFunc func(rec []string) ([]any, error)

func loadCSV(ctx context.Context, conn warehouse.Conn, path, table string, loadedAt time.Time, conv rowFunc) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("load %s: header: %w", path, err)
	}
	if want := datagen.Columns(table); !slices.Equal(header, want) {
		return 0, fmt.Errorf("load %s: header %q, want %q", path, header, want)
	}
	cols := append(slices.Clone(header), "file_id", "loaded_at")
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = warehouse.QuoteIdent(c)
	}
	insert := "INSERT INTO " + warehouse.QuoteIdent(table) + " (" + strings.Join(quoted, ", ") + ")"
	fileID := filepath.Base(path)
	total := 0
	var batch warehouse.Batch
	send := func() error {
		if batch == nil {
			return nil
		}
		b := batch
		batch = nil
		if err := b.Send(); err != nil {
			return fmt.Errorf("load %s: send: %w", path, err)
		}
		return nil
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			abort(batch)
			return total, fmt.Errorf("load %s: %w", path, err)
		}
		vals, err := conv(rec)
		if err != nil {
			abort(batch)
			return total, fmt.Errorf("load %s line %d: %w", path, line, err)
		}
		if batch == nil {
			if batch, err = conn.PrepareBatch(ctx, insert); err != nil {
				return total, fmt.Errorf("load %s: %w", path, err)
			}
		}
		if err := batch.Append(append(vals, fileID, loadedAt)...); err != nil {
			abort(batch)
			return total, fmt.Errorf("load %s line %d: %w", path, line, err)
		}
		total++
		if batch.Rows() >= loadBatchRows {
			if err := send(); err != nil {
				return total, err
			}
		}
	}
	return total, send()
}

func abort(b warehouse.Batch) {
	if b != nil {
		_ = b.Abort()
	}
}

// minDate and maxDate bound ClickHouse's Date.
var (
	minDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2149, 6, 6, 0, 0, 0, 0, time.UTC)
)

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

// memberRow: member_id, joined_at, birthday, gender, region, channel,
// source_tier, updated_at.
func memberRow(rec []string) ([]any, error) {
	joined, err := parseTime(rec[1])
	if err != nil {
		return nil, fmt.Errorf("joined_at: %w", err)
	}
	var birthday *time.Time
	if rec[2] != "" {
		d, err := time.Parse(time.DateOnly, rec[2])
		if err != nil {
			return nil, fmt.Errorf("birthday: %w", err)
		}
		// Date holds 1970-01-01..2149-06-06 on every supported version
		// (Date32 needs 21.9); the loaders store an earlier birthday as
		// NULL and count it, and so does this. (The loaders also keep it
		// in birth_date, which this test loader leaves empty.)
		if !d.Before(minDate) && !d.After(maxDate) {
			birthday = &d
		}
	}
	updated, err := parseTime(rec[7])
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	return []any{rec[0], joined, birthday, rec[3], rec[4], rec[5], rec[6], updated}, nil
}

// orderRow: order_id, member_id, ordered_at, amount, discount, items,
// channel, store_id, status, updated_at.
func orderRow(rec []string) ([]any, error) {
	ordered, err := parseTime(rec[2])
	if err != nil {
		return nil, fmt.Errorf("ordered_at: %w", err)
	}
	amount, err := decimal.NewFromString(rec[3])
	if err != nil {
		return nil, fmt.Errorf("amount: %w", err)
	}
	discount, err := decimal.NewFromString(rec[4])
	if err != nil {
		return nil, fmt.Errorf("discount: %w", err)
	}
	items, err := strconv.ParseUint(rec[5], 10, 32)
	if err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	updated, err := parseTime(rec[9])
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	return []any{rec[0], rec[1], ordered, amount, discount, uint32(items), rec[6], rec[7], rec[8], updated}, nil
}

// eventRow: event_id, member_id, event_time, event_type, value, properties.
func eventRow(rec []string) ([]any, error) {
	at, err := parseTime(rec[2])
	if err != nil {
		return nil, fmt.Errorf("event_time: %w", err)
	}
	v, err := strconv.ParseFloat(rec[4], 64)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return []any{rec[0], rec[1], at, rec[3], v, rec[5]}, nil
}
