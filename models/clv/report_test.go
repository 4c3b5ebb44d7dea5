package clv

import (
	"bytes"
	"context"
	"fmt"
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

// fillCLV writes 40 clv rows for d, member i with clv 50(i+1), past
// spend 100+10i and decile 1+i/4, and the horizon the model recorded.
func fillCLV(t *testing.T, conn warehouse.Conn, d time.Time) {
	t.Helper()
	var rows [][]any
	for i := 0; i < 40; i++ {
		rows = append(rows, []any{d, fmt.Sprintf("m%03d", i), uint32(i % 4), uint32(10), uint32(100), 20.0, float64(100 + 10*i), 0.8, 1.5, 30.0,
			float64(50 * (i + 1)), uint8(1 + i/4), uint8(1 + i/4), "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO clv (as_of, member_id, frequency, recency_days, age_days, mean_repeat_value, monetary, p_alive, expected_purchases, expected_aov, clv, clv_decile, spend_decile, run_id)", rows)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{d, "clv", "horizon_days", 730.0, "r"}, {d, "clv", "time_unit_days", 7.0, "r"}})
}

// TestReportSectionIntegration: the section reads the deciles and a
// histogram of round bins up to the 99th percentile, and renders them in
// both languages where the CLV section stood, with the horizon the model
// recorded and a note for the discount rate it did not; a missing table
// is a notice naming the model.
func TestReportSectionIntegration(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	conn := chtest.Migrated(t)
	fillCLV(t, conn, day)
	r, err := report.Load(context.Background(), conn, day, Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 {
		t.Fatalf("%d sections read, want 1", len(r.Sections))
	}
	x := r.Sections[0].Data.(*Figures)
	if x.Missing != nil || len(x.Deciles) != 10 || len(x.Bins) != histBins {
		t.Fatalf("CLV: %d deciles, %d bins, missing %v", len(x.Deciles), len(x.Bins), x.Missing)
	}
	if d := x.Deciles[9]; d.Decile != 10 || d.Members != 4 || d.CLV != 50*(37+38+39+40) || d.Spend != 4*100+10*(36+37+38+39) {
		t.Errorf("top decile = %+v", d)
	}
	binned := 0.0
	for _, b := range x.Bins {
		binned += b.Members
	}
	// The 99th percentile is about 1980: bins of 100, the last open.
	if binned != 40 || x.Bins[1].Lo != 100 || !math.IsInf(x.Bins[histBins-1].Hi, 1) || x.Bins[0].Members != 1 {
		t.Errorf("CLV histogram holds %g members (want 40), bins %+v", binned, x.Bins)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Customer lifetime value", "Members by predicted CLV", "Predicted CLV (¥)", "Members (count)", "730 days", "7 days", "discounted", "amounts in ¥", "≥1.9K", `id="clv"`},
		report.Chinese: {"客户终身价值", "预测终身价值（¥）", "730 天", "该数据日期未记录（模型 clv，model_params annual_discount_rate）"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l, Currency: "¥"}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		reporttest.Charts(t, l, out, "clv_histogram", "clv_deciles")
		if strings.Contains(out, "??") || !strings.Contains(out, `download="clv.csv"`) {
			t.Errorf("%s: an untranslated label, or no clv.csv", l)
		}
		// Its place: after the headline figures, before the trends.
		reporttest.Order(t, l, out, "kpis", "clv", "trends")
	}

	for _, table := range []string{"clv_latest", "clv"} {
		if err := conn.Exec(context.Background(), "DROP TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	r, err = report.Load(context.Background(), conn, day, Section)
	if err != nil {
		t.Fatal(err)
	}
	ms := r.Sections[0].Missing
	if len(ms) != 1 || ms[0].Table != "clv" || ms[0].Reason != report.NoTable || ms[0].Model != "clv" {
		t.Errorf("missing = %+v, want clv NoTable of model clv", ms)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := html.UnescapeString(b.String()); strings.Contains(out, `data-chart="clv_histogram"`) || !strings.Contains(out, "model clv has not written table clv") {
		t.Error("without the clv table the page draws the histogram, or does not say why not")
	}
}
