package cohorts

import (
	"bytes"
	"context"
	"html"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

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

func TestReportAverage(t *testing.T) {
	t.Parallel()
	x := &Figures{Periods: 3, Rows: []Row{
		{Cohort: "a", Size: 100, Active: []float64{100, 50, 20}},
		{Cohort: "b", Size: 300, Active: []float64{300, 30}},
		{Cohort: "c", Size: 50, Active: []float64{50, math.NaN()}},
	}}
	got := average(x)
	want := []float64{1, 80.0 / 400, 20.0 / 100}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("period %d: average %g, want %g (weighted by the sizes of cohorts that reached it)", i, got[i], want[i])
		}
	}
	if got := average(&Figures{Periods: 1}); !math.IsNaN(got[0]) {
		t.Errorf("no cohorts: %v, want NaN", got)
	}
}

// fillCohorts writes the cohorts of d: four monthly cohorts from July
// 2026 of 100 members, cohort c reaching period 3-c with 100>>p active
// members, and weekly rows the section leaves out.
func fillCohorts(t *testing.T, conn warehouse.Conn, d time.Time) {
	t.Helper()
	var co [][]any
	for c := 0; c < 4; c++ {
		cohort := time.Date(2026, time.Month(7+c), 1, 0, 0, 0, 0, time.UTC)
		for p := 0; p < 4-c; p++ {
			co = append(co, []any{d, "first_order", "month", cohort, uint32(p), uint64(100), uint64(100) >> p, decimal.NewFromFloat(1000 / float64(int(1)<<p)), "r"},
				[]any{d, "first_order", "week", cohort, uint32(p), uint64(7), uint64(1), decimal.NewFromFloat(1), "r"})
		}
	}
	chtest.Insert(t, conn, "INSERT INTO cohorts (as_of, cohort_by, period_type, cohort, period, cohort_size, active_members, revenue, run_id)", co)
}

// TestReportSectionIntegration: the section reads the monthly cohorts by
// period and renders the retention, the average curve and the revenue in
// both languages where the cohorts section stood; a missing table is a
// notice naming the model.
func TestReportSectionIntegration(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	conn := chtest.Migrated(t)
	fillCohorts(t, conn, day)
	r, err := report.Load(context.Background(), conn, day, Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 {
		t.Fatalf("%d sections read, want 1", len(r.Sections))
	}
	x := r.Sections[0].Data.(*Figures)
	if x.Missing != nil || len(x.Rows) != 4 || x.Periods != 4 || x.Rows[0].Cohort != "2026-07-01" || x.Rows[0].Active[1] != 50 || x.Rows[0].Revenue[2] != 250 {
		t.Errorf("cohorts = %+v", x)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Cohort retention", "Share of the cohort active, by period", "first paid order", "calendar months", "weighted by size", "cohort size", "amounts in ¥", `id="cohorts"`},
		report.Chinese: {"同期群留存", "各同期群各期销售额", "按距同期群月份的平均留存率"},
	} {
		p := page(t, r, report.Options{Lang: l, Currency: "¥"})
		reporttest.Contains(t, l, p, want...)
		reporttest.Charts(t, l, p, "cohort_retention", "cohort_curve", "cohort_revenue")
		if strings.Contains(p, "??") || !strings.Contains(p, `download="cohorts.csv"`) {
			t.Errorf("%s: an untranslated label, or no cohorts.csv", l)
		}
		// One point per period on the average curve.
		curve := p[strings.Index(p, `data-chart="cohort_curve"`):]
		if n := strings.Count(curve[:strings.Index(curve, "</svg>")], `<circle class="mark"`); n != 4 {
			t.Errorf("%s: %d points on the retention curve, want 4", l, n)
		}
		// Its place: after the headline figures, before the trends.
		reporttest.Order(t, l, p, "kpis", "cohorts", "trends")
	}
	// The table's last row is the average: all cohorts reached period 0,
	// three of them period 1 with half their members, ..., the first
	// period 3 with 12 of its 100.
	if p := page(t, r, report.Options{Lang: report.English}); !strings.Contains(p, "<td>Average</td><td class=\"num\"></td><td class=\"num\">100.0%</td><td class=\"num\">50.0%</td><td class=\"num\">25.0%</td><td class=\"num\">12.0%</td>") {
		t.Error("the cohort table's last row is not the average (100%, 50%, 25%, 12%)")
	}

	for _, table := range []string{"cohorts_latest", "cohorts"} {
		if err := conn.Exec(context.Background(), "DROP TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	r, err = report.Load(context.Background(), conn, day, Section)
	if err != nil {
		t.Fatal(err)
	}
	ms := r.Sections[0].Missing
	if len(ms) != 1 || ms[0].Table != "cohorts" || ms[0].Reason != report.NoTable || ms[0].Model != "cohorts" {
		t.Errorf("missing = %+v, want cohorts NoTable of model cohorts", ms)
	}
	for l, want := range map[report.Lang]string{report.English: "model cohorts has not written table cohorts", report.Chinese: "模型 cohorts 尚未写入表 cohorts"} {
		if p := page(t, r, report.Options{Lang: l}); !strings.Contains(p, want) {
			t.Errorf("%s: the page lacks the notice %q", l, want)
		}
	}
}

// page renders r, unescaped.
func page(t *testing.T, r *report.Report, opt report.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Render(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(b.String())
}
