package lifecycle

import (
	"bytes"
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

// TestSectionIntegration: the section counts members per (previous stage,
// stage) in the model's stage order, members new to the table under "",
// and renders the flow, its table and the stage definitions in both
// languages.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	chtest.Insert(t, conn, "INSERT INTO lifecycle (as_of, member_id, stage, run_id)", [][]any{
		{day1, "a", "new", "r"}, {day1, "b", "active", "r"}, {day1, "c", "active", "r"},
		{day2, "a", "active", "r"}, {day2, "b", "sleeping", "r"}, {day2, "c", "active", "r"}, {day2, "d", "new", "r"}, {day2, "e", "new", "r"},
	})
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{
		{day2, "lifecycle", "silent_days", 45.0, "r"}, {day2, "lifecycle", "sleeping_days", 90.0, "r"}, {day2, "lifecycle", "churned_days", 180.0, "r"}})
	r, err := report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Sections[0].Data.(*Flow)
	if f.Missing != nil || !f.HasPrev || strings.Join(f.To, ",") != "new,active,sleeping" || strings.Join(f.From, ",") != ",new,active,sleeping" {
		t.Fatalf("flow = %+v", f)
	}
	// "" -> new 2; new -> active 1; active -> active 1, active -> sleeping 1.
	if f.Counts[0][0] != 2 || f.Counts[1][1] != 1 || f.Counts[2][1] != 1 || f.Counts[2][2] != 1 {
		t.Errorf("counts = %v", f.Counts)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Lifecycle", "Stage flow since the previous as_of", "From \\ To", "Sleeping", "at or above 90 days since the last paid order", "(none)", "2026-11-13", `id="lifecycle"`, `download="lifecycle.csv"`},
		report.Chinese: {"生命周期", "新客", "与上期相比的阶段流转", "距上次已付订单不少于 180 天", "流转"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		if !strings.Contains(out, `data-chart="lifecycle_flow"`) || strings.Contains(out, "??") {
			t.Errorf("%s: no flow chart, or an untranslated label", l)
		}
		reporttest.Order(t, l, out, "kpis", "lifecycle", "trends")
	}

	// The first as_of has no previous one: every member is new to the
	// table and the flow's left column says so.
	r, err = report.Load(ctx, conn, day1, Section)
	if err != nil {
		t.Fatal(err)
	}
	if f := r.Sections[0].Data.(*Flow); f.HasPrev || len(f.From) != 3 || f.Counts[0][0] != 1 || f.Counts[0][1] != 2 {
		t.Errorf("first flow = %+v", f)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := html.UnescapeString(b.String()); !strings.Contains(out, "no previous") && !strings.Contains(out, report.English.T("no_previous")) {
		t.Error("the flow does not say there is no previous as_of")
	}
}
