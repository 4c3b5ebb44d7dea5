package loaders_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/chtest"
	"github.com/memberlytics/memberlytics/internal/compat"
	"github.com/memberlytics/memberlytics/internal/datagen"
	"github.com/memberlytics/memberlytics/internal/warehouse"
	"github.com/memberlytics/memberlytics/loaders"
)

// TestLoadBothEnginesIntegration runs the loaders' own SQL (staging
// tables, ATTACH PARTITION ... FROM, the ledger, rejects, the reload
// check) on ClickHouse 18.16 and on chDB 26.7: generated members, orders
// and events in all three formats, a file with rejected rows, a no-op
// reload and a corrected order, then compares every table of the two
// databases. Only what differs by design is left out: attempt ids (random)
// and wall-clock times.
func TestLoadBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	var files []struct {
		kind loaders.Kind
		path string
	}
	add := func(k loaders.Kind, p string) {
		files = append(files, struct {
			kind loaders.Kind
			path string
		}{k, p})
	}
	for _, f := range []datagen.Format{datagen.FormatCSV, datagen.FormatNDJSON, datagen.FormatParquet} {
		dir := generated(t, f)
		ext := map[datagen.Format]string{datagen.FormatCSV: ".csv", datagen.FormatNDJSON: ".ndjson", datagen.FormatParquet: ".parquet"}[f]
		// One format per kind keeps the keys unique; every format is read.
		switch f {
		case datagen.FormatCSV:
			add(loaders.Members, filepath.Join(dir, "members"+ext))
		case datagen.FormatNDJSON:
			add(loaders.Orders, filepath.Join(dir, "orders"+ext))
		case datagen.FormatParquet:
			add(loaders.Events, filepath.Join(dir, "events"+ext))
		}
	}
	var rows []byte
	rows = append(rows, "order_id,member_id,ordered_at,amount,status,updated_at\n"...)
	for i := 0; i < 200; i++ {
		rows = append(rows, "X"+string(rune('A'+i%26))+string(rune('a'+i/26))+",M1,2024-01-01T10:00:00Z,1.50,paid,2024-01-01T10:00:00Z\n"...)
	}
	rows = append(rows, "Y1,M1,yesterday,1.00,paid,\n"...)             // rejected: not a timestamp
	rows = append(rows, "Y2,M1,2024-01-01T10:00:00Z,-1.00,paid,\n"...) // rejected: negative paid
	bad := filepath.Join(t.TempDir(), "orders-extra.csv")
	if err := os.WriteFile(bad, rows, 0o644); err != nil {
		t.Fatal(err)
	}
	add(loaders.Orders, bad)
	fix := filepath.Join(t.TempDir(), "orders-fix.csv")
	if err := os.WriteFile(fix, []byte("order_id,member_id,ordered_at,amount,status,updated_at\nXAa,M1,2024-01-01T10:00:00Z,1.50,refunded,2024-01-03T10:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	add(loaders.Orders, fix)

	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := compat.Compare(t, chtest.Engines(t), compat.Case{
		Run: func(ctx context.Context, conn warehouse.Conn) error {
			for _, f := range files {
				o := loaders.Options{Kind: f.kind, MaxRejectRatio: 0.05, Now: func() time.Time { return clock }}
				for round := 0; round < 2; round++ { // the second is a no-op
					l, err := loaders.New(conn, o)
					if err != nil {
						return err
					}
					r, err := l.LoadFile(ctx, f.path)
					if err != nil {
						return err
					}
					if round == 1 && !r.Skipped {
						t.Errorf("%s: reload of %s was not skipped", conn.Database(), f.path)
					}
				}
			}
			return nil
		},
		Options: compat.Options{SkipColumns: func(table, column string) bool {
			return column == "attempt_id" || column == "applied_at"
		}},
	})
	if res == nil {
		return
	}
	for name, tables := range res {
		for _, tbl := range []string{"members_current", "orders_current", "events_current", "load_files", "load_rejects"} {
			if tables[tbl] == nil || len(tables[tbl].Rows) == 0 {
				t.Errorf("%s: %s is empty", name, tbl)
			}
		}
		if n := len(tables["load_rejects"].Rows); n != 2 {
			t.Errorf("%s: %d rejects, want 2", name, n)
		}
	}
}
