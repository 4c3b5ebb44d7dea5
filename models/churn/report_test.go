package churn

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

// fillScores writes n scored members on d (member i at probability
// i%10/10 + 0.05, banded by quarters) and one lapsed member.
func fillScores(t *testing.T, conn warehouse.Conn, d time.Time, n int) {
	t.Helper()
	var rows [][]any
	for i := 0; i < n; i++ {
		p := float64(i%10)/10 + 0.05
		band := []string{"low", "medium", "high", "critical"}[min(int(p*4), 3)]
		rows = append(rows, []any{d, fmt.Sprintf("m%02d", i), p, band, "", "", "", 5.0, "r"})
	}
	rows = append(rows, []any{d, "gone", 1.0, "lapsed", "", "", "", 900.0, "r"})
	chtest.Insert(t, conn, "INSERT INTO churn (as_of, member_id, churn_probability, risk_band, driver_1, driver_2, driver_3, recency_days, run_id)", rows)
}

// TestSectionIntegration: the section counts members per risk band in
// the bands' order (now and before) and per tenth of probability (scored
// members only), reads the validation the model recorded into the
// quality panel with the lift per decile, and renders it in both
// languages with the horizon; without validation figures it says so.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	fillScores(t, conn, day1, 20)
	fillScores(t, conn, day2, 40)
	mm := [][]any{{day2, "churn", "auc", 0.8, "r"}, {day2, "churn", "baseline_auc", 0.7, "r"}, {day2, "churn", "lift_top_decile", 2.5, "r"}}
	for k := 1; k <= 10; k++ {
		key := fmt.Sprintf("calibration_%02d_", k)
		mm = append(mm, []any{day2, "churn", key + "predicted", float64(k) / 10, "r"},
			[]any{day2, "churn", key + "observed", float64(k)/10 - 0.01, "r"},
			[]any{day2, "churn", key + "count", 100.0, "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO model_metrics (as_of, model, metric, value, run_id)", mm)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{day2, "churn", "horizon_days", 90.0, "r"}})
	r, err := report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Sections[0].Data.(*Figures)
	if c.Missing != nil || !c.HasPrev || len(c.Bands) != 5 || c.Bands[0] != (Band{"low", 8, 4}) || c.Bands[3] != (Band{"critical", 12, 6}) || c.Bands[4] != (Band{"lapsed", 1, 1}) {
		t.Fatalf("churn = %+v", c)
	}
	for i, n := range c.Hist {
		if n != 4 {
			t.Errorf("tenth %d holds %g members, want 4 (the lapsed member is not scored)", i, n)
		}
	}
	q := c.Quality
	if q == nil || q.AUC != 0.8 || q.BaselineAUC != 0.7 || q.LiftTop != 2.5 || len(q.Predicted) != 10 || len(q.Observed) != 10 || len(q.Lift) != 10 {
		t.Fatalf("quality = %+v", q)
	}
	// Overall observed rate: mean of 0.09..0.99 = 0.54; decile 10 lifts 0.99/0.54.
	if math.Abs(q.Lift[9]-0.99/0.54) > 1e-9 {
		t.Errorf("top lift = %g, want %g", q.Lift[9], 0.99/0.54)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Churn risk", "Members by risk band", "Members by churn probability", "AUC", "0.800", "Baseline AUC (recency only)", "+0.100", "2.50×",
			"Critical", "Lapsed", "90–100%", "Churn rate (%)", "Score decile (10 = highest risk)", "probability of no paid order within the horizon (90 days)", "cut points", `id="churn"`},
		report.Chinese: {"流失风险", "按风险等级的会员数", "基线 AUC（仅最近购买）", "流失率（%）", "分十分位提升度", "预测期"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		for _, ch := range []string{"churn_bands", "churn_histogram", "churn_calibration", "churn_lift"} {
			if !strings.Contains(out, `data-chart="`+ch+`"`) {
				t.Errorf("%s: no chart %s", l, ch)
			}
		}
		if strings.Contains(out, "??") {
			t.Errorf("%s: an untranslated label", l)
		}
		reporttest.Order(t, l, out, "kpis", "churn", "trends")
	}

	// The previous as_of: scores, no validation figures, and no notice
	// for them (the panel says the model recorded none).
	r, err = report.Load(ctx, conn, day1, Section)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Sections[0].Data.(*Figures); c.Quality != nil || len(c.Bands) == 0 || r.Sections[0].Missing != nil {
		t.Errorf("day1 churn = %+v, missing %+v", c, r.Sections[0].Missing)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := html.UnescapeString(b.String()); !strings.Contains(out, "the churn model recorded no validation figures for this as_of") ||
		strings.Contains(out, `data-chart="churn_calibration"`) || !strings.Contains(out, `data-chart="churn_bands"`) {
		t.Error("day1: want the bands and the no-validation note, without calibration")
	}

	// Without model_metrics at all: still no notice, no quality.
	for _, q := range []string{"DROP TABLE model_metrics_latest", "DROP TABLE model_metrics"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r, err = report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Sections[0].Data.(*Figures); c.Quality != nil || len(c.Bands) != 5 || r.Sections[0].Missing != nil {
		t.Errorf("churn without model_metrics = %+v, missing %+v", c, r.Sections[0].Missing)
	}
}
