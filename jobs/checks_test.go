package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func insert(t *testing.T, conn warehouse.Conn, query string, rows ...[]any) {
	t.Helper()
	b, err := conn.PrepareBatch(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// seed loads three members, five orders and two order lines: one order
// by an unknown member, one with an unaccepted status, one line of an
// unknown order; the newest order is at 2026-11-20 18:00 UTC.
func seed(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	ts := func(s string) time.Time { v, _ := time.Parse(time.DateTime, s); return v }
	insert(t, conn, `INSERT INTO members (member_id, joined_at, gender, region, channel, source_tier, updated_at, file_id, loaded_at)`,
		[]any{"m1", ts("2025-01-01 00:00:00"), "", "", "", "", ts("2025-01-01 00:00:00"), "f", ts("2026-11-21 00:00:00")},
		[]any{"m2", ts("2025-01-01 00:00:00"), "", "", "", "", ts("2025-01-01 00:00:00"), "f", ts("2026-11-21 00:00:00")},
		[]any{"m3", ts("2025-01-01 00:00:00"), "", "", "", "", ts("2025-01-01 00:00:00"), "f", ts("2026-11-21 00:00:00")},
	)
	order := func(id, member, at, status string) []any {
		return []any{id, member, ts(at), decimal.RequireFromString("10.00"), decimal.Zero, uint32(1), "", "", status, ts(at), "f", ts("2026-11-21 00:00:00")}
	}
	insert(t, conn, `INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at, file_id, loaded_at)`,
		order("o1", "m1", "2026-11-01 10:00:00", "paid"),
		order("o2", "m2", "2026-11-20 18:00:00", "paid"),
		order("o3", "ghost", "2026-11-10 10:00:00", "paid"),
		order("o4", "m3", "2026-11-15 10:00:00", "lost"),
		order("o5", "m3", "2026-11-25 10:00:00", "paid"), // after the as_of dates used
	)
	item := func(order string, line uint32, member string) []any {
		return []any{order, line, member, "SKU1", "a/b", "a", "b", "", uint32(1), decimal.RequireFromString("10.00"), ts("2026-11-01 10:00:00"), "f", ts("2026-11-21 00:00:00")}
	}
	insert(t, conn, `INSERT INTO order_items (order_id, line_no, member_id, sku, category, category_l1, category_l2, category_l3, quantity, amount, updated_at, file_id, loaded_at)`,
		item("o1", 1, "m1"),
		item("o9", 1, ""), // order unknown
	)
}

func TestChecksIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Conn)
			ctx := context.Background()
			tests := []struct {
				name      string
				opt       ChecksOptions
				asOf      time.Time
				wantErr   bool
				want      map[string]CheckStatus
				wantCount map[string]uint64
			}{
				{
					name: "fresh, status test fails",
					opt:  ChecksOptions{MaxAge: 24 * time.Hour, FreshnessSeverity: SeverityFail},
					asOf: day, wantErr: true,
					want:      map[string]CheckStatus{FreshnessCheckName: CheckPass, "orders_status_accepted": CheckFail, "orders_unknown_member": CheckWarn, "orders_order_id_unique": CheckPass, "members_member_id_not_null": CheckPass, "order_items_unknown_order": CheckWarn},
					wantCount: map[string]uint64{"orders_status_accepted": 1, "orders_unknown_member": 1, "order_items_unknown_order": 1},
				},
				{
					name: "stale a day later, status test turned into a warning",
					opt:  ChecksOptions{MaxAge: 24 * time.Hour, FreshnessSeverity: SeverityWarn, Severity: map[string]Severity{"orders_status_accepted": SeverityWarn}},
					asOf: day.AddDate(0, 0, 2), wantErr: false,
					want: map[string]CheckStatus{FreshnessCheckName: CheckWarn, "orders_status_accepted": CheckWarn},
				},
				{
					name: "stale and failing, business day in Shanghai",
					opt:  ChecksOptions{Location: mustLoc(t, "Asia/Shanghai"), MaxAge: 12 * time.Hour, FreshnessSeverity: SeverityFail, Severity: map[string]Severity{"orders_status_accepted": SeverityOff}},
					// The day ends 2026-11-20 16:00 UTC in Shanghai, before o2 (18:00
					// UTC): the newest order is o4 (2026-11-15), far older than 12h.
					asOf: day, wantErr: true,
					want: map[string]CheckStatus{FreshnessCheckName: CheckFail},
				},
			}
			for _, tt := range tests {
				c, err := NewChecks(e.Conn, tt.opt)
				if err != nil {
					t.Fatal(err)
				}
				st, err := c.Run(ctx, tt.asOf)
				if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrChecksFailed)) || (err != nil && IsTransient(err)) {
					t.Errorf("%s: err = %v, want error %v (ErrChecksFailed, permanent)", tt.name, err, tt.wantErr)
				}
				got := map[string]CheckResult{}
				for _, r := range st.Checks {
					got[r.Name] = r
				}
				for name, want := range tt.want {
					if got[name].Status != want {
						t.Errorf("%s: %s = %+v, want %s", tt.name, name, got[name], want)
					}
				}
				for name, want := range tt.wantCount {
					if got[name].Failing != want {
						t.Errorf("%s: %s failing = %d, want %d", tt.name, name, got[name].Failing, want)
					}
				}
				if _, ran := got["orders_status_accepted"]; ran == (tt.opt.Severity["orders_status_accepted"] == SeverityOff) {
					t.Errorf("%s: severity off did not skip the test (or a test went missing)", tt.name)
				}
			}
		})
	}
}

func TestNewChecksRefusesUnknownNames(t *testing.T) {
	t.Parallel()
	if _, err := NewChecks(nil, ChecksOptions{Severity: map[string]Severity{"orders_typo": SeverityWarn}}); err == nil {
		t.Error("NewChecks accepted an unknown check name")
	}
}

func TestStoreEnginesIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := NewStore(e.Conn)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
			run := Run{RunID: "r1", BatchID: "b1", Job: "checks", AsOf: day, Trigger: TriggerSchedule, Status: StatusRunning, Attempt: 1, StartedAt: start, Owner: "h:1"}
			must(t, s.Write(ctx, run))
			run.Status, run.FinishedAt, run.RowsIn, run.Checks = StatusSucceeded, start.Add(time.Minute), 42, []CheckResult{{Name: "x", Status: CheckWarn, Severity: SeverityWarn, Failing: 3}}
			must(t, s.Write(ctx, run))
			other := Run{RunID: "r2", BatchID: "b2", Job: "rfm", AsOf: day.AddDate(0, 0, -1), Trigger: TriggerBackfill, Status: StatusRunning, Attempt: 1, StartedAt: start.Add(-time.Hour), Owner: "h:1"}
			must(t, s.Write(ctx, other))
			all, err := s.List(ctx, Filter{})
			if err != nil || len(all) != 2 || all[0].RunID != "r1" {
				t.Fatalf("List = %+v, %v; want r1 then r2", all, err)
			}
			got := all[0]
			if got.Status != StatusSucceeded || got.RowsIn != 42 || !got.FinishedAt.Equal(start.Add(time.Minute)) || !got.StartedAt.Equal(start) ||
				len(got.Checks) != 1 || got.Checks[0].Failing != 3 || !got.AsOf.Equal(day) || got.Trigger != TriggerSchedule {
				t.Errorf("latest state of r1 = %+v", got)
			}
			// A status filter sees each run's latest state only: r1 was running once.
			running, err := s.List(ctx, Filter{Status: StatusRunning})
			if err != nil || len(running) != 1 || running[0].RunID != "r2" || !running[0].FinishedAt.IsZero() {
				t.Errorf("running = %+v, %v; want r2 only", running, err)
			}
			byJob, err := s.List(ctx, Filter{Job: "rfm", From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, -1)})
			if err != nil || len(byJob) != 1 || byJob[0].RunID != "r2" {
				t.Errorf("by job and date = %+v, %v", byJob, err)
			}
			// Durations to the millisecond, though started_at and
			// finished_at are whole seconds; a row written before
			// duration_ms reads the whole seconds.
			quick := Run{RunID: "r3", BatchID: "b3", Job: "rfm", AsOf: day, Trigger: TriggerManual, Status: StatusSucceeded, Attempt: 1,
				StartedAt: start.Add(-2*time.Hour + 400*time.Millisecond), FinishedAt: start.Add(-2*time.Hour + 490*time.Millisecond), Owner: "h:1"}
			must(t, s.Write(ctx, quick))
			must(t, e.Conn.Exec(ctx, `INSERT INTO job_runs (run_id, batch_id, job, as_of, trigger, status, attempt, started_at, finished_at, rows_in, rows_out, error, checks, owner, version)
				SELECT 'r4', 'b4', 'rfm', toDate('2026-11-20'), 'manual', 'succeeded', 1, toDateTime('2026-11-20 01:00:00', 'UTC'), toDateTime('2026-11-20 01:00:03', 'UTC'), 0, 0, '', '[]', 'h:1', 1`))
			for id, want := range map[string]time.Duration{"r1": time.Minute, "r2": 0, "r3": 90 * time.Millisecond, "r4": 3 * time.Second} {
				got, ok, err := s.Get(ctx, id)
				if err != nil || !ok || got.Duration() != want {
					t.Errorf("Get(%s) = %+v, %v, %v; want duration %s", id, got, ok, err, want)
				}
			}
		})
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
