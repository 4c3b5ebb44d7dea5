package categoryaffinity

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models/campaigns"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

var reportDay = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// fillPreferences writes tiers, category_affinity and the model's
// parameters for d: 40 members, member i prefers beauty, home, food by
// i%3 and is in tier level i%3, one up when i%4 = 0.
func fillPreferences(t *testing.T, conn warehouse.Conn, d time.Time) {
	t.Helper()
	names := []string{"Bronze", "Silver", "Gold", "Diamond"}
	var tiers, prefs [][]any
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("m%03d", i)
		lv := i % 3
		if i%4 == 0 {
			lv++
		}
		tiers = append(tiers, []any{d, id, names[lv], uint8(lv), "r"})
		cat := []string{"beauty", "home", "food"}[i%3]
		prefs = append(prefs, []any{d, id, uint8(1), cat, uint8(1), "r"},
			// Not preferred, and a level-2 preference: neither counts.
			[]any{d, id, uint8(1), "toys", uint8(0), "r"}, []any{d, id, uint8(2), cat + "/x", uint8(1), "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO tiers (as_of, member_id, tier, tier_rank, run_id)", tiers)
	chtest.Insert(t, conn, "INSERT INTO category_affinity (as_of, member_id, level, category, is_preferred, run_id)", prefs)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{
		{d, "category_affinity", "window_days", 365.0, "r"}, {d, "category_affinity", "min_orders", 2.0, "r"}})
}

func render(t *testing.T, r *report.Report, l report.Lang) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Render(&b, r, report.Options{Lang: l}); err != nil {
		t.Fatal(err)
	}
	return html.UnescapeString(b.String())
}

// TestSectionIntegration: the section counts members per preferred
// top-level category and tier, categories most members first, tiers from
// the entry level, and the page draws the heat map in both languages with
// the recorded window and support, after the campaigns section.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	fillPreferences(t, conn, reportDay)
	r, err := report.Load(context.Background(), conn, reportDay, Section, campaigns.Section)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Sections[0].Data.(*Figures)
	if c.Missing != nil {
		t.Fatalf("missing: %+v", c.Missing)
	}
	if got := fmt.Sprint(c.Categories, c.Tiers); got != "[beauty food home] [Bronze Silver Gold Diamond]" {
		t.Errorf("categories and tiers = %s", got)
	}
	// beauty: i = 0, 3, ..., 39 (14); i%4 = 0 (0, 12, 24, 36) moved to Silver.
	if len(c.Members) != 3 || c.Members[0][0] != 10 || c.Members[0][1] != 4 || c.Members[0][2] != 0 {
		t.Errorf("members = %v", c.Members)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {"Category preference", "Preferred category", "Preferred category by tier", "365 days", "2 orders", "Minimum support",
			"beauty · Bronze: 10 Members (100.0%)", "members without one are left out"},
		report.Chinese: {"品类偏好", "偏好品类", "会员等级", "365 天", "2 笔订单", "最低支持度"},
	} {
		out := render(t, r, l)
		reporttest.Contains(t, l, out, want...)
		if !strings.Contains(out, `data-chart="category_tier"`) || strings.Contains(out, "??") {
			t.Errorf("%s: page lacks the category x tier heat map, or has an untranslated label", l)
		}
		// Its place: after the campaigns, whichever order Load was given
		// the sections in.
		if c, g := strings.Index(out, `id="campaigns"`), strings.Index(out, `id="category"`); !(c >= 0 && c < g) {
			t.Errorf("%s: campaigns at %d, category at %d; want campaigns first", l, c, g)
		}
	}
}

// Without category_affinity, or without tiers, the section shows a notice
// naming the model and draws nothing.
func TestSectionMissingIntegration(t *testing.T) {
	t.Parallel()
	for _, drop := range []string{"category_affinity", "tiers"} {
		conn := chtest.Migrated(t)
		fillPreferences(t, conn, reportDay)
		if err := conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+drop+"_latest"); err != nil {
			t.Fatal(err)
		}
		if err := conn.Exec(context.Background(), "DROP TABLE "+drop); err != nil {
			t.Fatal(err)
		}
		r, err := report.Load(context.Background(), conn, reportDay, Section)
		if err != nil {
			t.Fatal(err)
		}
		c := r.Sections[0].Data.(*Figures)
		if len(c.Missing) != 1 || c.Missing[0].Table != drop || c.Missing[0].Model != drop || c.Missing[0].Reason != report.NoTable {
			t.Errorf("without %s: missing = %+v", drop, c.Missing)
		}
		out := render(t, r, report.English)
		if !strings.Contains(out, "has not written table "+drop) || strings.Contains(out, `data-chart="category_tier"`) {
			t.Errorf("without %s: want the notice and no heat map", drop)
		}
	}
}

// A category_affinity run that published no rows for the as_of (no order
// lines) leaves the section empty with a note, not a missing-model
// notice; with no succeeded run (none, or a failed one) the output is
// missing.
func TestSectionEmptyRunIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	fillPreferences(t, conn, reportDay)
	ctx := context.Background()
	if err := conn.Exec(ctx, "ALTER TABLE category_affinity DROP PARTITION '"+reportDay.Format("2006-01-02")+"'"); err != nil {
		t.Fatal(err)
	}
	ran := func(status string) {
		t.Helper()
		chtest.Insert(t, conn, "INSERT INTO model_runs (as_of, model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at)",
			[][]any{{reportDay, "category_affinity", "r-" + status, status, "", []string{}, []string{}, time.Now(), time.Now()}})
	}
	for _, status := range []string{"", "failed"} {
		if status != "" {
			ran(status)
		}
		r, err := report.Load(ctx, conn, reportDay, Section)
		if err != nil {
			t.Fatal(err)
		}
		if ms := r.Sections[0].Data.(*Figures).Missing; len(ms) != 1 || ms[0].Model != "category_affinity" || ms[0].Reason != report.NoPartition {
			t.Errorf("run %q: category missing = %+v, want category_affinity without a partition", status, ms)
		}
	}
	ran("succeeded")
	r, err := report.Load(ctx, conn, reportDay, Section)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Sections[0].Data.(*Figures); c.Missing != nil || len(c.Categories) != 0 {
		t.Errorf("after a succeeded empty run: missing %+v, categories %v; want neither", c.Missing, c.Categories)
	}
	for _, m := range r.Missing() {
		if m.Model == "category_affinity" {
			t.Errorf("report counts %+v missing after its model ran", m)
		}
	}
	out := render(t, r, report.English)
	if !strings.Contains(out, "No member has a preferred category at this as_of") || !strings.Contains(out, "Minimum support") ||
		strings.Contains(out, `data-chart="category_tier"`) || strings.Contains(out, "has no rows for 2026-11-20 in table category_affinity") {
		t.Error("page after an empty run: want the empty note and the definitions, no heat map and no notice")
	}
}
