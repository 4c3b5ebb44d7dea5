package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/jobs"
)

// TestJobQueriesBothEnginesIntegration runs the job runner's SQL
// (sql/jobs: every data check, the freshness check and the run history
// queries) on ClickHouse 18.16 and chDB 26.7 with the same data, and
// compares what the jobs package makes of the answers.
func TestJobQueriesBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := compat.Generate(ctx, dir, 200, 5); err != nil {
		t.Fatal(err)
	}
	asOf := datagen.DefaultEnd.AddDate(0, 0, -1)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	engines := chtest.Engines(t)
	got := make([]string, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = jobQueries(ctx, e, dir, asOf, shanghai)
		}()
	}
	wg.Wait()
	// The comparison must cover real answers: failing checks and stored runs.
	for _, want := range []string{"Name:orders_status_accepted Status:fail Severity:fail Failing:1",
		"Name:orders_unknown_member Status:warn Severity:warn Failing:1", "RunID:r2", "BatchID:b2 Job:rfm"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("%s: no %q in\n%s", engines[0].Name, want, got[0])
		}
	}
	if got[0] != got[1] {
		t.Errorf("job queries differ:\n%s:\n%s\n%s:\n%s", engines[0].Name, got[0], engines[1].Name, got[1])
	}
}

// jobQueries loads dir into e, runs the checks and exercises the run
// history, and returns everything they returned as text (errors included).
func jobQueries(ctx context.Context, e chtest.Engine, dir string, asOf time.Time, loc *time.Location) string {
	var out string
	add := func(format string, args ...any) { out += fmt.Sprintf(format, args...) + "\n" }
	n, err := compat.LoadGenerated(ctx, e.Conn, dir, datagen.DefaultEnd)
	add("loaded %+v err %v", n, err)
	// One bad order: an unknown member and an unknown status, so two
	// checks find a failing row.
	b, err := e.Conn.PrepareBatch(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, status, updated_at, file_id, loaded_at)")
	if err != nil {
		return out + err.Error()
	}
	at := asOf.Add(-time.Hour)
	if err := b.Append("O-bad", "M-nobody", at, decimal.RequireFromString("12.30"), "lost", at, "bad.csv", at); err != nil {
		return out + err.Error()
	}
	if err := b.Send(); err != nil {
		return out + err.Error()
	}
	checks, err := jobs.NewChecks(e.Conn, jobs.ChecksOptions{Location: loc, MaxAge: 36 * time.Hour})
	if err != nil {
		return out + err.Error()
	}
	st, err := checks.Run(ctx, asOf)
	add("checks rows_in %d rows_out %d err %v", st.RowsIn, st.RowsOut, err)
	for _, c := range st.Checks {
		add("  %+v", c)
	}
	store, err := jobs.NewStore(e.Conn)
	if err != nil {
		return out + err.Error()
	}
	start := time.Date(2025, 12, 30, 2, 0, 0, 0, time.UTC)
	runs := []jobs.Run{
		{RunID: "r1", BatchID: "b1", Job: "checks", AsOf: asOf.AddDate(0, 0, -1), Trigger: jobs.TriggerSchedule, Status: jobs.StatusRunning, Attempt: 1, StartedAt: start, Owner: "host:1"},
		{RunID: "r1", BatchID: "b1", Job: "checks", AsOf: asOf.AddDate(0, 0, -1), Trigger: jobs.TriggerSchedule, Status: jobs.StatusSucceeded, Attempt: 1, StartedAt: start, FinishedAt: start.Add(time.Minute), RowsIn: 7, RowsOut: 11, Checks: st.Checks, Owner: "host:1"},
		{RunID: "r2", BatchID: "b2", Job: "checks", AsOf: asOf, Trigger: jobs.TriggerManual, Status: jobs.StatusFailed, Attempt: 2, StartedAt: start.Add(24 * time.Hour), FinishedAt: start.Add(25 * time.Hour), Error: "boom", Owner: "host:2"},
		{RunID: "r3", BatchID: "b2", Job: "rfm", AsOf: asOf, Trigger: jobs.TriggerBackfill, Status: jobs.StatusSkipped, Attempt: 0, StartedAt: start.Add(26 * time.Hour), Owner: "host:2"},
	}
	for _, r := range runs {
		if err := store.Write(ctx, r); err != nil {
			return out + err.Error()
		}
	}
	for _, f := range []jobs.Filter{{}, {Job: "checks"}, {RunID: "r1"}, {Status: jobs.StatusRunning}, {From: asOf, To: asOf}, {BatchID: "b2"}, {Limit: 1}} {
		rs, err := store.List(ctx, f)
		add("list %+v: err %v", f, err)
		for _, r := range rs {
			add("  %+v", r)
		}
	}
	if r, ok, err := store.Get(ctx, "r1"); err != nil || !ok || r.Status != jobs.StatusSucceeded || !reflect.DeepEqual(r.Checks, st.Checks) {
		add("get r1: %+v %v %v: want the succeeded state with its checks", r, ok, err)
	}
	return out
}
