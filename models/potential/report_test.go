package potential

import (
	"bytes"
	"context"
	"html"
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

// fill writes n members flagged clv_above_spend on d, every second one
// also rising_value.
func fill(t *testing.T, conn warehouse.Conn, d time.Time, n int) {
	t.Helper()
	var rows [][]any
	for i := 0; i < n; i++ {
		id := "m" + string(rune('a'+i))
		rows = append(rows, []any{d, id, "clv_above_spend", 4.0, "r"})
		if i%2 == 0 {
			rows = append(rows, []any{d, id, "rising_value", 1.5, "r"})
		}
	}
	chtest.Insert(t, conn, "INSERT INTO potential (as_of, member_id, reason, score, run_id)", rows)
}

// TestSectionIntegration: the section counts members per reason in the
// model's order and for any reason, with the previous as_of's counts, and
// renders them with the definitions in both languages; a partition the
// model never wrote is a notice.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	fill(t, conn, day1, 4)
	fill(t, conn, day2, 8)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{day2, "potential", "decile_gap", 3.0, "r"}})
	r, err := report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Sections[0].Data.(*Figures)
	if p.Missing != nil || !p.HasPrev || p.Any != 8 || p.AnyPrev != 4 || len(p.Reasons) != 2 ||
		p.Reasons[0] != (Reason{"clv_above_spend", 8, 4}) || p.Reasons[1] != (Reason{"rising_value", 4, 2}) {
		t.Fatalf("potential = %+v", p)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"High-potential members", "Any reason", "+100.0%", "CLV well above past spend", "Rising order value", "Decile gap", "at least one reason", `id="potential"`},
		report.Chinese: {"高潜力会员", "任一原因", "终身价值远高于历史消费", "十分位差"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		if !strings.Contains(out, `data-chart="potential_reasons"`) || strings.Contains(out, "??") || strings.Contains(out, "not recorded") {
			t.Errorf("%s: no reasons chart, an untranslated label or an unrecorded decile gap", l)
		}
		// Its place: after the report's headline figures, before the report's trends.
		reporttest.Order(t, l, out, "kpis", "potential", "trends")
	}

	// A later as_of the model has not run for: a notice naming it.
	r, err = report.Load(ctx, conn, day2.AddDate(0, 0, 7), Section)
	if err != nil {
		t.Fatal(err)
	}
	ms := r.Sections[0].Missing
	if len(ms) != 1 || ms[0].Table != "potential" || ms[0].Reason != report.NoPartition || ms[0].Model != "potential" {
		t.Errorf("missing = %+v, want potential NoPartition", ms)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "model potential has no rows") || strings.Contains(out, `data-chart="potential_reasons"`) {
		t.Error("the page does not say potential has no rows, or draws its chart")
	}
}
