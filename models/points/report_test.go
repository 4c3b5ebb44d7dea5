package points

import (
	"bytes"
	"context"
	"html"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

// fillProgramme writes tiers and points_programme for d: the four tiers,
// tier k holding 1000*(k+1) points at 0.01 (scaled by grow), and all
// their sum.
func fillProgramme(t *testing.T, conn warehouse.Conn, d time.Time, grow float64) {
	t.Helper()
	var tiers, programme [][]any
	var sum float64
	for k, name := range []string{"Bronze", "Silver", "Gold", "Diamond"} {
		tiers = append(tiers, []any{d, "m" + name, name, uint8(k), "r"})
		out := 1000 * float64(k+1) * grow
		sum += out
		programme = append(programme, []any{d, name, uint16(30), uint64(10), out, 0.01, out * 0.01, 0.2, 0.05, 4.0, 0.5, "r"})
	}
	programme = append(programme, []any{d, "all", uint16(30), uint64(40), sum, 0.01, sum * 0.01, 0.2, 0.05, 4.0, 0.5, "r"})
	chtest.Insert(t, conn, "INSERT INTO tiers (as_of, member_id, tier, tier_rank, run_id)", tiers)
	chtest.Insert(t, conn, "INSERT INTO points_programme (as_of, tier, window_days, members, outstanding, value_per_point, liability, redemption_rate, breakage_window, earn_per_active_member, breakage_settled, run_id)", programme)
}

// TestSectionIntegration: the section reads the programme per tier in
// level order after all, with the previous as_of's liability, and renders
// it in both languages; a missing table is a notice naming the model.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	fillProgramme(t, conn, day1, 1)
	fillProgramme(t, conn, day2, 1.1)
	r, err := report.Load(context.Background(), conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 {
		t.Fatalf("%d sections read, want 1", len(r.Sections))
	}
	p := r.Sections[0].Data.(*Figures)
	if p.Missing != nil || p.All.Name != "all" || math.Abs(p.All.Outstanding-11000) > 1e-6 || math.Abs(p.All.LiabilityPrev-100) > 1e-9 || !p.All.HasPrev ||
		len(p.Tiers) != 4 || p.Tiers[0].Name != "Bronze" || p.Tiers[3].Name != "Diamond" || p.All.Redemption != 0.2 || p.WindowDays != 30 {
		t.Fatalf("points = %+v", p)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Points programme", "Points liability", "¥110.00", "+10.0%", "Over the last 30 days", "Diamond", "20.0%", `id="points"`},
		report.Chinese: {"积分计划", "积分负债", "¥110.00", "最近 30 天"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l, Currency: "¥"}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		if !strings.Contains(out, `data-chart="points_liability"`) || strings.Contains(out, "??") {
			t.Errorf("%s: no liability chart, or an untranslated label", l)
		}
		// Its place: after the report's filters (the campaigns section's
		// test checks that it comes before campaigns).
		reporttest.Order(t, l, out, "filters", "points")
	}

	if err := conn.Exec(context.Background(), "DROP TABLE points_programme_latest"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), "DROP TABLE points_programme"); err != nil {
		t.Fatal(err)
	}
	r, err = report.Load(context.Background(), conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	ms := r.Missing()
	if len(ms) == 0 || ms[len(ms)-1].Table != "points_programme" || ms[len(ms)-1].Reason != report.NoTable || ms[len(ms)-1].Model != "points" {
		t.Errorf("missing = %+v, want points_programme NoTable of model points last", ms)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := html.UnescapeString(b.String()); !strings.Contains(out, "points_programme") {
		t.Error("the page does not name the missing points_programme")
	}
}
