package jobs

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

func TestDates(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { v, err := asof.Parse(s); must(t, err); return v }
	tests := []struct {
		from, to string
		step     Step
		want     []string
	}{
		{"2026-01-30", "2026-02-02", StepDay, []string{"2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"}},
		{"2026-01-01", "2026-01-20", StepWeek, []string{"2026-01-01", "2026-01-08", "2026-01-15"}},
		{"2026-01-31", "2026-05-01", StepMonth, []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"}},
		{"2026-03-05", "2026-03-05", StepDay, []string{"2026-03-05"}},
	}
	for _, tt := range tests {
		got, err := Dates(d(tt.from), d(tt.to), tt.step)
		must(t, err)
		var s []string
		for _, g := range got {
			s = append(s, g.Format(asof.Layout))
		}
		if !slices.Equal(s, tt.want) {
			t.Errorf("Dates(%s, %s, %s) = %v, want %v", tt.from, tt.to, tt.step, s, tt.want)
		}
	}
	if _, err := Dates(d("2026-02-01"), d("2026-01-01"), StepDay); err == nil {
		t.Error("Dates accepted to before from")
	}
	if _, err := Dates(d("2026-01-01"), d("2026-01-02"), "hour"); err == nil {
		t.Error("Dates accepted step hour")
	}
}

// A pipeline load -> model backfilled over five days, the load failing on
// two of them; after the fix, --reprocess failed re-runs exactly those
// dates (load and the skipped model), none runs nothing, all runs all.
func TestBackfillReprocessIntegration(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	broken := map[string]bool{"2026-11-02": true, "2026-11-04": true}
	calls := map[string][]string{} // job -> dates run
	job := func(name string, breaks bool) Job {
		return Func{JobName: name, Fn: func(_ context.Context, asOf time.Time) (Stats, error) {
			mu.Lock()
			defer mu.Unlock()
			calls[name] = append(calls[name], asOf.Format(asof.Layout))
			if breaks && broken[asOf.Format(asof.Layout)] {
				return Stats{}, errors.New("orders file for this day is truncated")
			}
			return Stats{RowsOut: 1}, nil
		}}
	}
	g := NewGraph()
	must(t, g.Add(job("load_orders", true)))
	must(t, g.Add(job("rfm", false), "load_orders"))
	must(t, g.Pipeline("nightly", "rfm"))
	r, store, _, _ := newTestRunner(t, g, nil)
	ctx := context.Background()
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	reset := func() map[string][]string {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = map[string][]string{}
		return out
	}
	opt := BackfillOptions{Target: "nightly", From: from, To: to, Step: StepDay, Reprocess: ReprocessFailed}

	res, err := r.Backfill(ctx, opt)
	must(t, err)
	got := reset()
	if len(res) != 5 || len(got["load_orders"]) != 5 || len(got["rfm"]) != 3 {
		t.Fatalf("first backfill ran load %v, rfm %v; want 5 loads and 3 models", got["load_orders"], got["rfm"])
	}
	for _, bd := range res {
		for _, run := range bd.Runs {
			if run.Trigger != TriggerBackfill || !run.AsOf.Equal(bd.AsOf) {
				t.Errorf("run %+v: want trigger backfill and as_of %s", run, bd.AsOf.Format(asof.Layout))
			}
		}
	}

	// The dry run plans the two broken dates and runs nothing.
	dry := opt
	dry.DryRun = true
	res, err = r.Backfill(ctx, dry)
	must(t, err)
	if got := reset(); len(got) != 0 {
		t.Errorf("dry run ran %v", got)
	}
	var planned []string
	for _, bd := range res {
		if len(bd.Jobs) > 0 {
			planned = append(planned, bd.AsOf.Format(asof.Layout)+":"+bd.Jobs[0]+","+bd.Jobs[1])
		}
		if bd.Runs != nil {
			t.Errorf("dry run has runs for %s", bd.AsOf)
		}
	}
	if want := []string{"2026-11-02:load_orders,rfm", "2026-11-04:load_orders,rfm"}; !slices.Equal(planned, want) {
		t.Errorf("dry run plan = %v, want %v", planned, want)
	}

	mu.Lock()
	broken = map[string]bool{} // the files are fixed
	mu.Unlock()
	_, err = r.Backfill(ctx, opt)
	must(t, err)
	got = reset()
	want := []string{"2026-11-02", "2026-11-04"}
	if !slices.Equal(got["load_orders"], want) || !slices.Equal(got["rfm"], want) {
		t.Errorf("--reprocess failed ran load %v, rfm %v; want both on %v", got["load_orders"], got["rfm"], want)
	}
	latest, err := latestByDate(ctx, store, "rfm", from, to)
	must(t, err)
	for d, run := range latest {
		if run.Status != StatusSucceeded {
			t.Errorf("rfm at %s is %s after the reprocess", d.Format(asof.Layout), run.Status)
		}
	}

	opt.Reprocess = ReprocessNone
	_, err = r.Backfill(ctx, opt)
	must(t, err)
	if got := reset(); len(got) != 0 {
		t.Errorf("--reprocess none ran %v, everything had run", got)
	}
	opt.Reprocess, opt.Step = ReprocessAll, StepWeek
	_, err = r.Backfill(ctx, opt)
	must(t, err)
	if got := reset(); !slices.Equal(got["load_orders"], []string{"2026-11-01"}) || !slices.Equal(got["rfm"], []string{"2026-11-01"}) {
		t.Errorf("--reprocess all --step week ran %v, want 2026-11-01 only", got)
	}
}

// A job whose dependency succeeded again after it (rfm's input reloaded by
// hand) is not done: backfill --reprocess failed re-runs it, none leaves
// it (Left), and its dependency itself stays done.
func TestBackfillRerunsJobsAfterADependencyRanAgainIntegration(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := map[string]int{}
	job := func(name string) Job {
		return Func{JobName: name, Fn: func(context.Context, time.Time) (Stats, error) {
			mu.Lock()
			defer mu.Unlock()
			calls[name]++
			return Stats{RowsOut: 1}, nil
		}}
	}
	g := NewGraph()
	must(t, g.Add(job("load_orders")))
	must(t, g.Add(job("rfm"), "load_orders"))
	must(t, g.Pipeline("nightly", "rfm"))
	r, _, _, _ := newTestRunner(t, g, nil)
	clock := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return clock } // runs' start times, a second apart below
	ctx := context.Background()
	d := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	opt := BackfillOptions{Target: "nightly", From: d, To: d, Step: StepDay, Reprocess: ReprocessFailed}
	_, err := r.Backfill(ctx, opt)
	must(t, err)
	clock = clock.Add(10 * time.Second)
	_, err = r.Run(ctx, Request{Target: "nightly", Only: []string{"load_orders"}, AsOf: d, Trigger: TriggerManual})
	must(t, err)
	clock = clock.Add(10 * time.Second)

	for _, tt := range []struct {
		mode       Reprocess
		jobs, left []string
	}{
		{ReprocessFailed, []string{"rfm"}, nil},
		{ReprocessNone, nil, []string{"rfm"}},
	} {
		o := opt
		o.Reprocess, o.DryRun = tt.mode, true
		res, err := r.Backfill(ctx, o)
		must(t, err)
		if len(res) != 1 || !slices.Equal(res[0].Jobs, tt.jobs) || !slices.Equal(res[0].Left, tt.left) || !slices.Equal(res[0].Done, []string{"load_orders"}) {
			t.Errorf("--reprocess %s dry run = %+v, want to run %v, leave %v, load_orders done", tt.mode, res, tt.jobs, tt.left)
		}
	}
	mu.Lock()
	calls = map[string]int{}
	mu.Unlock()
	_, err = r.Backfill(ctx, opt)
	must(t, err)
	if calls["rfm"] != 1 || calls["load_orders"] != 0 {
		t.Errorf("backfill ran %v, want rfm once and load_orders not", calls)
	}
	clock = clock.Add(10 * time.Second)
	res, err := r.Backfill(ctx, BackfillOptions{Target: "nightly", From: d, To: d, Step: StepDay, Reprocess: ReprocessFailed, DryRun: true})
	must(t, err)
	if len(res) != 1 || len(res[0].Jobs) != 0 {
		t.Errorf("after rfm re-ran, the dry run still plans %v", res[0].Jobs)
	}
}
