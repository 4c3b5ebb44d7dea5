package loaders_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
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
	type file struct {
		kind loaders.Kind
		path string
	}
	// Each kind in another format, so every reader runs.
	files := []file{
		{loaders.Members, filepath.Join(generated(t, datagen.FormatCSV), "members.csv")},
		{loaders.Orders, filepath.Join(generated(t, datagen.FormatNDJSON), "orders.ndjson")},
		{loaders.Events, filepath.Join(generated(t, datagen.FormatParquet), "events.parquet")},
	}
	var extra strings.Builder
	extra.WriteString("order_id,member_id,ordered_at,amount,status,updated_at\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&extra, "X%03d,M1,2024-01-01T10:00:00Z,1.50,paid,2024-01-01T10:00:00Z\n", i)
	}
	extra.WriteString("Y1,M1,yesterday,1.00,paid,\n")             // rejected: not a timestamp
	extra.WriteString("Y2,M1,2024-01-01T10:00:00Z,-1.00,paid,\n") // rejected: negative paid
	files = append(files,
		file{loaders.Orders, writeFile(t, "orders-extra.csv", extra.String())},
		file{loaders.Orders, writeFile(t, "orders-fix.csv", "order_id,member_id,ordered_at,amount,status,updated_at\n"+
			"X000,M1,2024-01-01T10:00:00Z,1.50,refunded,2024-01-03T10:00:00Z\n")})

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
