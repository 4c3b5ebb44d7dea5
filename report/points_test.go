package report

import (
	"bytes"
	"context"
	"html"
	"math"
	"strings"
	"testing"
	"time"
)

// fillPoints writes points_programme for d: all and the four tiers, tier
// k holding 1000*(k+1) points at 0.01 (day2: 10% more), and all their sum.
func (f *fixture) fillPoints(t *testing.T, d time.Time) {
	t.Helper()
	grow := 1.0
	if d.Equal(day2) {
		grow = 1.1
	}
	var rows [][]any
	var sum float64
	for k, name := range tierNames {
		out := 1000 * float64(k+1) * grow
		sum += out
		rows = append(rows, []any{d, name, uint16(30), uint64(10), out, 0.01, out * 0.01, 0.2, 0.05, 4.0, 0.5, "r"})
	}
	rows = append(rows, []any{d, "all", uint16(30), uint64(40), sum, 0.01, sum * 0.01, 0.2, 0.05, 4.0, 0.5, "r"})
	f.batch(t, "INSERT INTO points_programme (as_of, tier, window_days, members, outstanding, value_per_point, liability, redemption_rate, breakage_window, earn_per_active_member, breakage_settled, run_id)", rows)
}

// TestPointsSectionIntegration: the section reads the programme per tier
// in level order after all, with the previous as_of's liability, and
// renders it in both languages; a missing table is a notice.
func TestPointsSectionIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	r, err := Load(context.Background(), f.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Points
	if p.Missing != nil || p.All.Name != "all" || math.Abs(p.All.Outstanding-11000) > 1e-6 || math.Abs(p.All.LiabilityPrev-100) > 1e-9 || !p.All.HasPrev ||
		len(p.Tiers) != 4 || p.Tiers[0].Name != "Bronze" || p.Tiers[3].Name != "Diamond" || p.All.Redemption != 0.2 || p.WindowDays != 30 {
		t.Fatalf("points = %+v", p)
	}
	for l, want := range map[Lang][]string{
		English: {"Points programme", "Points liability", "¥110.00", "+10.0%", "Over the last 30 days", "Diamond", "20.0%"},
		Chinese: {"积分计划", "积分负债", "¥110.00", "最近 30 天"},
	} {
		var b bytes.Buffer
		if err := Render(&b, r, Options{Lang: l, Currency: "¥"}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: page lacks %q", l, w)
			}
		}
		if !strings.Contains(out, `data-chart="points_liability"`) || strings.Contains(out, "??") {
			t.Errorf("%s: no liability chart, or an untranslated label", l)
		}
	}

	g := newFixture(t, false, "lifecycle")
	g.drop(t, "points_programme", "points_programme_latest")
	r, err = Load(context.Background(), g.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	if ms := r.Points.Missing; len(ms) != 1 || ms[0].Reason != NoTable || ms[0].Model != "points" {
		t.Errorf("points missing = %+v, want NoTable of model points", ms)
	}
}
