package jobs

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func nop(name string) Job {
	return Func{JobName: name, Fn: func(context.Context, time.Time) (Stats, error) { return Stats{}, nil }}
}

func TestGraphPlan(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	// Added out of dependency order on purpose.
	must(t, g.Add(nop("rfm"), "checks"))
	must(t, g.Add(nop("load_orders")))
	must(t, g.Add(nop("load_members")))
	must(t, g.Add(nop("checks"), "load_orders", "load_members"))
	must(t, g.Add(nop("tiers"), "rfm"))
	must(t, g.Add(nop("export_segments"), "tiers", "rfm"))
	must(t, g.Add(nop("cohorts"), "checks"))
	must(t, g.Pipeline("nightly", "export_segments"))
	must(t, g.Validate())
	tests := []struct {
		target string
		want   []string
	}{
		{"all", []string{"load_orders", "load_members", "checks", "rfm", "tiers", "export_segments", "cohorts"}},
		{"nightly", []string{"load_orders", "load_members", "checks", "rfm", "tiers", "export_segments"}},
		{"tiers", []string{"tiers"}},
	}
	for _, tt := range tests {
		got, err := g.Plan(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Plan(%s) = %v, want %v", tt.target, got, tt.want)
		}
	}
	if _, err := g.Plan("nope"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("Plan(nope) err = %v, want ErrUnknownJob", err)
	}
}

func TestGraphRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(g *Graph) error
		want  error
	}{
		{"duplicate", func(g *Graph) error { _ = g.Add(nop("a")); return g.Add(nop("a")) }, ErrDuplicateJob},
		{"cycle", func(g *Graph) error {
			_ = g.Add(nop("a"), "c")
			_ = g.Add(nop("b"), "a")
			_ = g.Add(nop("c"), "b")
			return g.Validate()
		}, ErrCycle},
		{"missing dep", func(g *Graph) error { _ = g.Add(nop("a"), "ghost"); return g.Validate() }, ErrUnknownJob},
		{"pipeline of unknown job", func(g *Graph) error { return g.Pipeline("p", "ghost") }, ErrUnknownJob},
		{"pipeline named like a job", func(g *Graph) error { _ = g.Add(nop("a")); return g.Pipeline("a", "a") }, ErrDuplicateJob},
	}
	for _, tt := range tests {
		if err := tt.build(NewGraph()); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := NewGraph().Add(nop("all")); err == nil {
		t.Error(`Add("all") accepted the reserved name`)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
