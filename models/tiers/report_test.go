package tiers

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

var levels = []string{"Bronze", "Silver", "Gold", "Diamond"}

// fillTiers writes members m0..m(n-1) at the given levels on d.
func fillTiers(t *testing.T, conn warehouse.Conn, d time.Time, lv []int) {
	t.Helper()
	var rows [][]any
	for i, l := range lv {
		rows = append(rows, []any{d, "m" + string(rune('a'+i)), levels[l], uint8(l), "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO tiers (as_of, member_id, tier, tier_rank, run_id)", rows)
}

// TestSectionIntegration: the section orders the tiers by level, counts
// members per tier now and before, the migration between them with
// upgrades and downgrades, and the upgrade rates the model recorded; it
// renders them in both languages. Without a previous as_of there is no
// migration, and without model_metrics no rates (and no notice).
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day1 := time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	conn := chtest.Migrated(t)
	// a..f: Bronze, Bronze, Silver, Silver, Gold, Diamond; then a and c
	// move up, f moves down and g joins.
	fillTiers(t, conn, day1, []int{0, 0, 1, 1, 2, 3})
	fillTiers(t, conn, day2, []int{1, 0, 2, 1, 2, 2, 0})
	chtest.Insert(t, conn, "INSERT INTO model_metrics (as_of, model, metric, value, run_id)", [][]any{
		{day2, "tiers", "upgrade_conversion_rate", 0.25, "r"}, {day2, "tiers", "upgrade_conversion_rate_base", 8.0, "r"}})
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{day2, "tiers", "window_days", 180.0, "r"}})
	r, err := report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Sections[0].Data.(*Figures)
	if tr.Missing != nil || !tr.HasPrev || strings.Join(tr.Names, ",") != "Bronze,Silver,Gold,Diamond" || strings.Join(tr.From, ",") != ",Bronze,Silver,Gold,Diamond" ||
		tr.Upgraded != 2 || tr.Downgraded != 1 || tr.Conversion == nil || *tr.Conversion != (Rate{0.25, 8}) || tr.Retention != nil {
		t.Fatalf("tiers = %+v", tr)
	}
	if got := [][]float64{tr.Counts, tr.CountsPrev}; got[0][0] != 2 || got[0][1] != 2 || got[0][2] != 3 || got[0][3] != 0 ||
		got[1][0] != 2 || got[1][1] != 2 || got[1][2] != 1 || got[1][3] != 1 {
		t.Errorf("counts now %v, before %v", tr.Counts, tr.CountsPrev)
	}
	// g is new (row ""), a went Bronze -> Silver, f Diamond -> Gold.
	if tr.Matrix[0][0] != 1 || tr.Matrix[1][1] != 1 || tr.Matrix[4][2] != 1 {
		t.Errorf("matrix = %v", tr.Matrix)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Tiers", "Members by tier", "Tier migration since the previous as_of", "Upgraded", "Downgraded", "Upgrade conversion", "25.0%", "2 / 8",
			"180 days · rolling qualification window", "higher tier", `id="tiers"`},
		report.Chinese: {"会员等级", "各等级会员数", "升级转化率", "升级", "降级", "滚动定级窗口", "上期", "本期"},
	} {
		var b bytes.Buffer
		if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(b.String())
		reporttest.Contains(t, l, out, want...)
		reporttest.Charts(t, l, out, "tier_distribution", "tier_migration")
		if strings.Contains(out, "??") {
			t.Errorf("%s: an untranslated label", l)
		}
		reporttest.Order(t, l, out, "kpis", "tiers", "trends")
	}

	// The first as_of: no previous one, so no migration; no rates recorded.
	r, err = report.Load(ctx, conn, day1, Section)
	if err != nil {
		t.Fatal(err)
	}
	if tr := r.Sections[0].Data.(*Figures); tr.HasPrev || tr.Upgraded != 0 || tr.Conversion != nil || r.Sections[0].Missing != nil {
		t.Errorf("first tiers = %+v", tr)
	}
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, `data-chart="tier_migration"`) || !strings.Contains(out, `data-chart="tier_distribution"`) {
		t.Error("first as_of: want the distribution without the migration")
	}

	// An older schema without tier_rank: a notice naming the column.
	for _, q := range []string{"DROP TABLE tiers_latest", "DROP TABLE tiers",
		"CREATE TABLE tiers (as_of Date, member_id String, tier String) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r, err = report.Load(ctx, conn, day2, Section)
	if err != nil {
		t.Fatal(err)
	}
	if ms := r.Sections[0].Missing; len(ms) != 1 || ms[0].Reason != report.NoColumns || strings.Join(ms[0].Columns, ",") != "tier_rank" {
		t.Errorf("missing = %+v, want tiers lacking tier_rank", ms)
	}
	b.Reset()
	if err := report.Render(&b, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "table tiers of model tiers lacks columns tier_rank") {
		t.Error("the page does not say tiers lacks tier_rank")
	}
}
