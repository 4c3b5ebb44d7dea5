package rfm

import (
	"bytes"
	"context"
	"fmt"
	"html"
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

// reportSegments are the fixture's segments, one brand-defined with
// characters the page must escape.
var reportSegments = []string{"Champions", "Loyal", "Brand-defined <segment>"}

// fillRFM writes n rfm rows for d: member i has r score 1+i%5, f score
// 1+(i/5)%5, monetary 100+10i and segment reportSegments[i%3]; and the
// model's window_days.
func fillRFM(t *testing.T, conn warehouse.Conn, d time.Time, n int) {
	t.Helper()
	var rows [][]any
	for i := 0; i < n; i++ {
		rows = append(rows, []any{d, fmt.Sprintf("m%03d", i), uint32(i), uint32(1 + i%4), decimal.NewFromFloat(float64(100 + 10*i)),
			uint8(1 + i%5), uint8(1 + (i/5)%5), uint8(3), reportSegments[i%3], "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO rfm (as_of, member_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment, run_id)", rows)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{d, "rfm", "window_days", 365.0, "r"}})
}

// TestReportSectionIntegration: the section reads the grid and the
// segments with the previous as_of's members, and renders them in both
// languages where the RFM section stood; a missing table is a notice
// naming the model.
func TestReportSectionIntegration(t *testing.T) {
	t.Parallel()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	fillRFM(t, conn, day1, 36)
	fillRFM(t, conn, day2, 40)
	r, err := report.Load(context.Background(), conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 {
		t.Fatalf("%d sections read, want 1", len(r.Sections))
	}
	x := r.Sections[0].Data.(*Figures)
	cells := 0.0
	for _, row := range x.Cells {
		for _, c := range row {
			cells += c.Members
		}
	}
	// Member i sits in cell (1+i%5, 1+(i/5)%5): 40 members, 25 cells,
	// and R5 F1 holds members 4 and 29 (i%5 = 4, (i/5)%5 = 0).
	if cells != 40 || x.Cells[4][0].Members != 2 || x.Cells[4][0].Revenue != 140+390 || x.Missing != nil || !x.HasPrev {
		t.Errorf("rfm grid = %+v (cells sum to %g, want 40)", x, cells)
	}
	if len(x.Segments) != 3 {
		t.Fatalf("segments = %+v, want 3", x.Segments)
	}
	for _, sg := range x.Segments {
		want := map[string][2]float64{"Champions": {14, 12}, "Loyal": {13, 12}, "Brand-defined <segment>": {13, 12}}[sg.Name]
		if sg.Members != want[0] || sg.MembersPrev != want[1] {
			t.Errorf("segment %s: %g members, %g before; want %v", sg.Name, sg.Members, sg.MembersPrev, want)
		}
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"RFM segments", "Members by recency and frequency score", "Champions", "Brand-defined <segment>", "+16.7%", "365 days", "quintiles", "amounts in ¥", `id="rfm"`},
		report.Chinese: {"RFM 分群", "冠军客户", "忠诚客户", "按最近购买与购买频次评分的销售额", "365 天"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l, Currency: "¥"}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Brand-defined <segment>") {
			t.Errorf("%s: segment name not escaped", l)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		reporttest.Charts(t, l, out, "rfm_members", "rfm_revenue")
		if strings.Contains(out, "??") || !strings.Contains(out, `download="rfm.csv"`) {
			t.Errorf("%s: an untranslated label, or no rfm.csv", l)
		}
		// Its place: right after the headline figures, before the trends.
		reporttest.Order(t, l, out, "kpis", "rfm", "trends")
	}

	for _, table := range []string{"rfm_latest", "rfm"} {
		if err := conn.Exec(context.Background(), "DROP TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	r, err = report.Load(context.Background(), conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	ms := r.Sections[0].Missing
	if len(ms) != 1 || ms[0].Table != "rfm" || ms[0].Reason != report.NoTable || ms[0].Model != "rfm" {
		t.Errorf("missing = %+v, want rfm NoTable of model rfm", ms)
	}
	for l, want := range map[report.Lang]string{report.English: "model rfm has not written table rfm", report.Chinese: "模型 rfm 尚未写入表 rfm"} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		if out := html.UnescapeString(b.String()); !strings.Contains(out, want) {
			t.Errorf("%s: the page lacks the notice %q", l, want)
		}
	}
}
