// Package modeltest is what the models' tests share: hand-built data
// (Fixture) loaded into a migrated database on one or both engines, the
// generated data set of the predictive tests (Generated, LoadedDB), and
// Run, which runs a model through models.RunOne. Test code only.
package modeltest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
)

// Member is a member who joined at Joined. Times are UTC
// "2006-01-02 15:04:05".
type Member struct{ ID, Joined string }

// Order is an order of Member at At; Status "" means paid.
type Order struct {
	Member, At string
	Amount     float64
	Status     string
}

// Event is an event of type Typ.
type Event struct {
	Member, At, Typ string
	Value           float64
}

// MemberVersion is one member version with a source tier (members
// listed in Fixture.Members get one version, updated_at = joined_at, and
// no source tier). Each version is its own INSERT, as if from its own
// file, and merges of members are stopped first, so that every version
// stays visible in the members table (ReplacingMergeTree keeps only the
// latest once parts merge).
type MemberVersion struct{ ID, Joined, Tier, Updated string }

// Fixture is hand-built test data.
type Fixture struct {
	Members        []Member
	MemberVersions []MemberVersion
	Orders         []Order
	Events         []Event
}

// TS parses a UTC "2006-01-02 15:04:05".
func TS(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Load inserts the fixture with PrepareBatch (never INSERT ... VALUES).
func (f Fixture) Load(t testing.TB, conn warehouse.Conn) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	send := func(q string, n int, row func(i int) []any) {
		if n == 0 {
			return
		}
		b, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := b.Append(row(i)...); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	send("INSERT INTO members (member_id, joined_at, birthday, gender, region, channel, source_tier, updated_at, file_id, loaded_at)",
		len(f.Members), func(i int) []any {
			m := f.Members[i]
			j := TS(t, m.Joined)
			return []any{m.ID, j, (*time.Time)(nil), "", "", "", "", j, "fx", now}
		})
	if len(f.MemberVersions) > 0 {
		if err := conn.Exec(ctx, "SYSTEM STOP MERGES members"); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range f.MemberVersions {
		send("INSERT INTO members (member_id, joined_at, birthday, gender, region, channel, source_tier, updated_at, file_id, loaded_at)",
			1, func(int) []any {
				return []any{m.ID, TS(t, m.Joined), (*time.Time)(nil), "", "", "", m.Tier, TS(t, m.Updated), "fx", now}
			})
	}
	send("INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at)",
		len(f.Orders), func(i int) []any {
			o := f.Orders[i]
			st := o.Status
			if st == "" {
				st = "paid"
			}
			at := TS(t, o.At)
			return []any{fmt.Sprintf("o%d", i), o.Member, at, decimal.NewFromFloat(o.Amount), decimal.Zero, uint32(1), "", "", st, at, "fx", now}
		})
	send("INSERT INTO events (event_id, member_id, event_time, event_type, value, properties, file_id, loaded_at)",
		len(f.Events), func(i int) []any {
			e := f.Events[i]
			return []any{fmt.Sprintf("e%d", i), e.Member, TS(t, e.At), e.Typ, e.Value, "{}", "fx", now}
		})
}

// AsOf parses an as_of date.
func AsOf(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := asof.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Run runs m through models.RunOne (so metrics are recorded too), and
// publishes the date's snapshot of m alone, which its _latest views show.
func Run(t testing.TB, conn warehouse.Conn, m models.Model, asOf string, loc *time.Location) models.RunResult {
	t.Helper()
	reg := models.NewRegistry()
	if err := reg.Add(m); err != nil {
		t.Fatal(err)
	}
	env := models.Env{Conn: conn, Location: loc, RunID: "run-" + asOf, Snapshot: reg}
	r, err := models.RunOne(context.Background(), m, env, AsOf(t, asOf))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Migrated returns a migrated database on ClickHouse 18.16 holding f.
func Migrated(t *testing.T, f Fixture) *warehouse.CH {
	t.Helper()
	conn := chtest.Migrated(t)
	f.Load(t, conn)
	return conn
}

// ForEachEngine loads f into a fresh migrated database on ClickHouse 18.16
// (the harness's server) and on chDB 26.7 (skipped alone when libchdb is
// missing) and runs fn on each in a subtest.
func ForEachEngine(t *testing.T, f Fixture, fn func(t *testing.T, conn warehouse.Conn)) {
	t.Helper()
	t.Run("clickhouse", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		f.Load(t, conn)
		fn(t, conn)
	})
	t.Run("chdb", func(t *testing.T) {
		t.Parallel()
		conn := chtest.ModernMigrated(t)
		f.Load(t, conn)
		fn(t, conn)
	})
}

// Must returns m, and panics when err is not nil: for building a model
// from parameters a test knows are valid, Must(rfm.New(rfm.DefaultParams())).
func Must[M any](m M, err error) M {
	if err != nil {
		panic(err)
	}
	return m
}
