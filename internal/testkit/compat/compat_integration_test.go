package compat_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/sql"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// addColumn matches an ALTER TABLE ... ADD COLUMN statement.
var addColumn = regexp.MustCompile(`(?is)\bALTER\s+TABLE\s+\S+\s+ADD\s+COLUMN\b`)

// TestMigrationsBothEnginesIntegration applies every migration on
// ClickHouse 18.16 and on chDB 26.7, applies them again (each statement is
// idempotent, ADD COLUMN through the runner), and compares the schemas: tables, engines, sorting keys,
// columns, types and comments.
func TestMigrationsBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ms, err := migrate.Load(sql.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	engines := chtest.Engines(t)
	schemas := make([]compat.Schema, len(engines))
	for i, e := range engines {
		// Every statement again, by hand: IF NOT EXISTS must hold on each version.
		for _, m := range ms {
			stmts, err := migrate.Split(m.SQL)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			for j, stmt := range stmts {
				if addColumn.MatchString(stmt) {
					// No ADD COLUMN IF NOT EXISTS on 18.16: the runner skips
					// a column that is there (TestAddColumnRerunAfterFailureIntegration).
					continue
				}
				if err := e.Conn.Exec(ctx, stmt); err != nil {
					t.Errorf("%s: %s statement %d again: %v", e.Name, m.Name, j+1, err)
				}
			}
		}
		assertApplied(t, e, ms)
		if schemas[i], err = compat.ReadSchema(ctx, e.Conn); err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
	}
	for _, d := range compat.CompareSchemas(engines[0].Name, schemas[0], engines[1].Name, schemas[1]) {
		t.Error(d)
	}
	// The comparison is only worth something if the tables are there.
	for _, name := range []string{"members", "orders", "events", "members_current", "orders_current", "events_current", migrate.VersionTable} {
		if _, ok := schemas[1].Tables[name]; !ok {
			t.Errorf("%s: no table %s after migrating", engines[1].Name, name)
		}
	}
}

// assertApplied checks that schema_migrations lists every migration.
func assertApplied(t *testing.T, e chtest.Engine, ms []migrate.Migration) {
	t.Helper()
	rows, err := e.Conn.Query(context.Background(), "SELECT name FROM "+warehouse.QuoteIdent(migrate.VersionTable)+" ORDER BY version")
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		got = append(got, n)
	}
	if len(got) != len(ms) {
		t.Fatalf("%s: %d applied migrations %q, want %d", e.Name, len(got), got, len(ms))
	}
	for i, m := range ms {
		if got[i] != m.Name {
			t.Errorf("%s: applied migration %d is %s, want %s", e.Name, i+1, got[i], m.Name)
		}
	}
}

// TestLoadedDataBothEnginesIntegration loads the same generated data into
// both engines through batches and compares every table and view, raw and
// *_current: it checks the loading path and the comparison itself on real
// decimals, nullable dates, floats and JSON strings.
func TestLoadedDataBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := compat.Generate(context.Background(), dir, 150, 7); err != nil {
		t.Fatal(err)
	}
	res := compat.Compare(t, chtest.Engines(t), compat.Case{
		DataDir: dir,
		Options: compat.Options{SkipColumns: func(table, column string) bool {
			return table == migrate.VersionTable && column == "applied_at"
		}},
	})
	for engine, tables := range res {
		for _, name := range []string{"members", "orders", "events", "members_current", "orders_current", "events_current"} {
			if tb := tables[name]; tb == nil || len(tb.Rows) == 0 {
				t.Errorf("%s: %s is empty after loading", engine, name)
			}
		}
	}
}

// recorder is a testing.TB that keeps the errors Compare reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// TestCompareCatchesDifferencesIntegration runs code that behaves
// differently on the two engines and checks that Compare reports it: an
// extra row, a changed float, and a statement that fails on one engine
// only.
func TestCompareCatchesDifferencesIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := compat.Generate(context.Background(), dir, 30, 3); err != nil {
		t.Fatal(err)
	}
	modern := func(ctx context.Context, conn warehouse.Conn) (bool, error) {
		v, err := conn.ServerVersion(ctx)
		return v.AtLeast(20, 0), err
	}
	tests := []struct {
		name string
		run  compat.Run
		want string
	}{
		{"extra row", func(ctx context.Context, conn warehouse.Conn) error {
			if m, err := modern(ctx, conn); err != nil || !m {
				return err
			}
			return conn.Exec(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at) "+
				"SELECT concat(order_id, '-x'), member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at FROM orders LIMIT 1")
		}, "rows on"},
		{"float", func(ctx context.Context, conn warehouse.Conn) error {
			if m, err := modern(ctx, conn); err != nil || !m {
				return err
			}
			return conn.Exec(ctx, "INSERT INTO events (event_id, member_id, event_time, event_type, value, properties, file_id, loaded_at) "+
				"SELECT event_id, member_id, event_time, event_type, value + 1e-6, properties, file_id, addSeconds(loaded_at, 1) FROM events ORDER BY event_id LIMIT 1")
		}, "column value"},
		{"fails on one engine", func(ctx context.Context, conn warehouse.Conn) error {
			return conn.Exec(ctx, "CREATE TABLE w ENGINE = MergeTree() ORDER BY member_id AS SELECT member_id, count() OVER (PARTITION BY channel) AS n FROM members")
		}, "clickhouse-18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			compat.Compare(r, chtest.Engines(t), compat.Case{
				DataDir: dir,
				Run:     tt.run,
				Options: compat.Options{SkipColumns: func(table, column string) bool {
					return column == "applied_at" || column == "loaded_at"
				}},
			})
			found := false
			for _, e := range r.errs {
				found = found || strings.Contains(e, tt.want)
			}
			if !found {
				t.Fatalf("Compare reported %q, want an error containing %q", r.errs, tt.want)
			}
		})
	}
}
