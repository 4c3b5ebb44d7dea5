package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// Hand-built test data. Times are UTC "2006-01-02 15:04:05".
type fxMember struct{ id, joined string }
type fxOrder struct {
	member, at string
	amount     float64
	status     string // "" = paid
}
type fxEvent struct {
	member, at, typ string
	value           float64
}

// fxMemberVersion is one member version with a source tier (members
// listed in fixture.members get one version, updated_at = joined_at, and
// no source tier). Each version is its own INSERT, as if from its own
// file, and merges of members are stopped first, so that every version
// stays visible in the members table (ReplacingMergeTree keeps only the
// latest once parts merge).
type fxMemberVersion struct{ id, joined, tier, updated string }

type fixture struct {
	members        []fxMember
	memberVersions []fxMemberVersion
	orders         []fxOrder
	events         []fxEvent
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// load inserts the fixture with PrepareBatch (never INSERT ... VALUES).
func (f fixture) load(t testing.TB, conn warehouse.Conn) {
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
		len(f.members), func(i int) []any {
			m := f.members[i]
			j := ts(t, m.joined)
			return []any{m.id, j, (*time.Time)(nil), "", "", "", "", j, "fx", now}
		})
	if len(f.memberVersions) > 0 {
		if err := conn.Exec(ctx, "SYSTEM STOP MERGES members"); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range f.memberVersions {
		send("INSERT INTO members (member_id, joined_at, birthday, gender, region, channel, source_tier, updated_at, file_id, loaded_at)",
			1, func(int) []any {
				return []any{m.id, ts(t, m.joined), (*time.Time)(nil), "", "", "", m.tier, ts(t, m.updated), "fx", now}
			})
	}
	send("INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at)",
		len(f.orders), func(i int) []any {
			o := f.orders[i]
			st := o.status
			if st == "" {
				st = "paid"
			}
			at := ts(t, o.at)
			return []any{fmt.Sprintf("o%d", i), o.member, at, decimal.NewFromFloat(o.amount), decimal.Zero, uint32(1), "", "", st, at, "fx", now}
		})
	send("INSERT INTO events (event_id, member_id, event_time, event_type, value, properties, file_id, loaded_at)",
		len(f.events), func(i int) []any {
			e := f.events[i]
			return []any{fmt.Sprintf("e%d", i), e.member, ts(t, e.at), e.typ, e.value, "{}", "fx", now}
		})
}

func asOfDay(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := asof.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runModel runs m through RunOne (so metrics are recorded too), and
// publishes the date's snapshot of m alone, which its _latest views show.
func runModel(t testing.TB, conn warehouse.Conn, m Model, asOf string, loc *time.Location) RunResult {
	t.Helper()
	reg := NewRegistry()
	if err := reg.Add(m); err != nil {
		t.Fatal(err)
	}
	env := Env{Conn: conn, Location: loc, RunID: "run-" + asOf, Snapshot: reg}
	r, err := RunOne(context.Background(), m, env, asOfDay(t, asOf))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func defaults() config.Models { return config.Default().Models }

func migrated(t *testing.T, f fixture) *warehouse.CH {
	t.Helper()
	conn := chtest.Migrated(t)
	f.load(t, conn)
	return conn
}

// forEachEngine loads f into a fresh migrated database on ClickHouse 18.16
// (the harness's server) and on chDB 26.7 (skipped alone when libchdb is
// missing) and runs fn on each in a subtest.
func forEachEngine(t *testing.T, f fixture, fn func(t *testing.T, conn warehouse.Conn)) {
	t.Helper()
	t.Run("clickhouse", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		f.load(t, conn)
		fn(t, conn)
	})
	t.Run("chdb", func(t *testing.T) {
		t.Parallel()
		conn := chtest.ModernMigrated(t)
		f.load(t, conn)
		fn(t, conn)
	})
}
