package kpibreakdown

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"math"
	"regexp"
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

var (
	reportDay1 = time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	reportDay2 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

// sampleFigures are the figures of sampleReport.
func sampleFigures() *Figures {
	row := func(dim, val, basis string, members, revenue, disc float64) BreakdownRow {
		return BreakdownRow{Dimension: dim, Value: val, Basis: basis, Members: members, Active: members / 2, Buyers: members * 0.6, Orders: members * 1.5,
			Revenue: revenue, Discount: disc, AOV: revenue / (members * 1.5), Repurchase: 0.4, ChurnRisk: 0.2, AvgCLV: 300,
			RevenuePerMember: revenue / members, DiscountPerMember: disc / members, DiscountRate: disc / (revenue + disc),
			MemberShare: members / 12000, RevenueShare: revenue / 3.6e6, Index: (revenue / members) / 300}
	}
	b := &Figures{All: row("all", "all", "member", 12000, 3.6e6, 2e5)}
	b.Rows = []BreakdownRow{
		row("tier", "Gold", "member", 1000, 1.5e6, 1e5), row("tier", "Silver", "member", 3000, 1.2e6, 6e4), row("tier", "Bronze", "member", 8000, 9e5, 4e4),
		row("value_layer", "high", "member", 2400, 2.4e6, 1.2e5), row("value_layer", "low", "member", 9600, 1.2e6, 8e4),
		row("region", "east", "member", 7000, 2e6, 1e5), row("region", "", "member", 5000, 1.6e6, 1e5),
		row("store", "S001", "order", 900, 1e6, 5e4), row("store", "", "order", 5000, 2.6e6, 1.5e5),
	}
	b.Top = []TopShare{{0.01, 120, 6e5, 5000, 1.0 / 6, 16.7}, {0.05, 600, 1.5e6, 2500, 0.417, 8.3}, {0.1, 1200, 2.1e6, 1750, 0.583, 5.8}}
	return b
}

// sampleReport is a report whose only section is this one, with figures,
// for rendering tests independent of ClickHouse.
func sampleReport(b *Figures) *report.Report {
	return &report.Report{AsOf: reportDay2, Prev: reportDay1, GeneratedAt: reportDay2.AddDate(0, 0, 1),
		Params:   map[string]map[string]float64{"kpi_breakdown": {"window_days": 365, "active_days": 90}},
		Sections: []report.SectionData{{Section: Section, Data: b, Missing: b.Missing}}}
}

func render(t *testing.T, r *report.Report, opt report.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Render(&b, r, opt); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return html.UnescapeString(b.String())
}

// fillBreakdown writes kpi_breakdown and kpi_contribution rows for d:
// an all row, two tiers, a value layer, a store (order basis), and one
// top share.
func fillBreakdown(t *testing.T, conn warehouse.Conn, d time.Time) {
	t.Helper()
	dec := decimal.NewFromFloat
	null := (*float64)(nil)
	v := func(x float64) *float64 { return &x }
	chtest.Insert(t, conn, "INSERT INTO kpi_breakdown (as_of, dimension, value, basis, members, active_members, buyers, orders, revenue, discount, aov, repurchase_rate, churn_risk_share, avg_clv, revenue_per_member, discount_per_member, discount_rate, member_share, revenue_share, revenue_per_member_index, run_id)", [][]any{
		{d, "all", "all", "member", uint64(40), uint64(24), uint64(30), uint64(60), dec(6000), dec(600), v(100), v(0.5), v(0.25), v(275), v(150), v(15), v(600.0 / 6600), v(1), v(1), v(1), "r"},
		{d, "tier", "Gold", "member", uint64(10), uint64(8), uint64(10), uint64(30), dec(4000), dec(400), v(4000.0 / 30), v(0.7), v(0.1), v(600), v(400), v(40), v(400.0 / 4400), v(0.25), v(4000.0 / 6000), v(400.0 / 150), "r"},
		{d, "tier", "Bronze", "member", uint64(30), uint64(16), uint64(20), uint64(30), dec(2000), dec(200), v(2000.0 / 30), v(0.4), v(0.3), null, v(2000.0 / 30), v(200.0 / 30), v(200.0 / 2200), v(0.75), v(2000.0 / 6000), v((2000.0 / 30) / 150), "r"},
		{d, "value_layer", "high", "member", uint64(40), uint64(24), uint64(30), uint64(60), dec(6000), dec(600), v(100), v(0.5), v(0.25), v(275), v(150), v(15), v(600.0 / 6600), v(1), v(1), v(1), "r"},
		{d, "store", "S1", "order", uint64(5), uint64(5), uint64(5), uint64(9), dec(900), dec(0), v(100), v(0.8), null, null, v(180), v(0), null, v(5.0 / 40), v(0.15), v(1.2), "r"},
	})
	chtest.Insert(t, conn, "INSERT INTO kpi_contribution (as_of, top_share, members_total, top_members, top_revenue, total_revenue, revenue_share, top_revenue_per_member, revenue_per_member, ratio, run_id)", [][]any{
		{d, 0.1, uint64(40), uint64(4), 2400.0, 6000.0, v(0.4), v(600), v(150), v(4), "r"},
	})
}

// TestSectionLoadIntegration: Load reads the breakdown rows of the as_of
// (NULL as NaN, the all row apart, contribution rows as TopShare) and
// renders both sections in both languages after the category section; a
// database without the model's partition gets one notice.
func TestSectionLoadIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	fillBreakdown(t, conn, reportDay1)
	fillBreakdown(t, conn, reportDay2)
	r, err := report.Load(context.Background(), conn, reportDay2, Section)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sections) != 1 {
		t.Fatalf("%d sections read, want 1", len(r.Sections))
	}
	b := r.Sections[0].Data.(*Figures)
	if b.Missing != nil || b.All.Members != 40 || b.All.Revenue != 6000 || len(b.Rows) != 4 || len(b.Top) != 1 {
		t.Fatalf("breakdown = %+v", b)
	}
	if b.Rows[0].Dimension != "store" || b.Rows[1].Value != "Gold" || b.Rows[2].Value != "Bronze" || b.Rows[3].Dimension != "value_layer" {
		t.Errorf("rows not by dimension then revenue: %+v", b.Rows)
	}
	if !math.IsNaN(b.Rows[2].AvgCLV) || b.Rows[1].AvgCLV != 600 || math.Abs(b.Rows[1].RevenueShare-4000.0/6000) > 1e-12 {
		t.Errorf("Gold/Bronze figures: %+v", b.Rows[1:])
	}
	if tp := b.Top[0]; tp.Share != 0.1 || tp.Members != 4 || tp.Revenue != 2400 || tp.RevenueShare != 0.4 || tp.Ratio != 4 || tp.RevenuePerMember != 600 {
		t.Errorf("top = %+v", tp)
	}
	for _, l := range report.Langs {
		out := render(t, r, report.Options{Lang: l, Currency: "¥"})
		for _, name := range []string{"contribution_top", "contribution_tier", "contribution_value_layer"} {
			if !strings.Contains(out, `data-chart="`+name+`"`) {
				t.Errorf("%s: chart %s missing", l, name)
			}
		}
		if strings.Contains(out, "??") {
			t.Errorf("%s: untranslated label", l)
		}
		// Its place: after the report's filters, breakdown then contribution.
		reporttest.Order(t, l, out, "filters", "breakdown", "contribution")
	}

	r, err = report.Load(context.Background(), conn, reportDay1.AddDate(0, 0, -1), Section)
	if err != nil {
		t.Fatal(err)
	}
	if ms := r.Sections[0].Missing; len(ms) != 1 || ms[0].Table != "kpi_breakdown" || ms[0].Reason != report.NoPartition || ms[0].Model != "kpi_breakdown" {
		t.Errorf("without the model's rows: missing = %+v, want kpi_breakdown without a partition", ms)
	}
}

// TestRenderBreakdown: the picker has one radio button, tab and panel per
// dimension with rows, the first checked, CSS rules showing each panel
// for its checked button and no script; the contribution section draws
// its charts, states the top share and explains its window.
func TestRenderBreakdown(t *testing.T) {
	t.Parallel()
	for _, l := range report.Langs {
		out := render(t, sampleReport(sampleFigures()), report.Options{Lang: l, Currency: "¥"})
		for _, d := range []string{"tier", "value_layer", "region", "store"} {
			for _, want := range []string{`<input type="radio" name="bd-dim" id="bd-` + d + `"`, `<label for="bd-` + d + `">`,
				`<div class="bd-panel bd-` + d + `"`, `#bd-` + d + `:checked~.bd-panels .bd-` + d + `{display:block}`} {
				if !strings.Contains(out, want) {
					t.Errorf("%s: page lacks %q", l, want)
				}
			}
		}
		if !strings.Contains(out, `id="bd-tier" checked>`) || len(regexp.MustCompile(`name="bd-dim" id="[^"]+" checked>`).FindAllString(out, -1)) != 1 {
			t.Errorf("%s: want exactly the first dimension (tier) checked", l)
		}
		if strings.Contains(out, "bd-lifecycle_stage") && !strings.Contains(out, `#bd-lifecycle_stage:checked`) {
			t.Errorf("%s: a panel without its rule", l)
		}
		if strings.Contains(out, `id="bd-lifecycle_stage"`) {
			t.Errorf("%s: a tab for a dimension without rows", l)
		}
		if regexp.MustCompile(`(?i)<script|onclick=`).MatchString(out) {
			t.Errorf("%s: the picker uses a script", l)
		}
		for _, name := range []string{"contribution_top", "contribution_tier", "contribution_value_layer"} {
			if !strings.Contains(out, `data-chart="`+name+`"`) {
				t.Errorf("%s: chart %s missing", l, name)
			}
		}
		if !strings.Contains(out, "58.3%") || !strings.Contains(out, "5.8") {
			t.Errorf("%s: top 10%% share of revenue 58.3%% (5.8x) not shown", l)
		}
		if strings.Contains(out, "??") {
			t.Errorf("%s: untranslated label", l)
		}
	}
	en := render(t, sampleReport(sampleFigures()), report.Options{Lang: report.English, Currency: "¥"})
	for _, want := range []string{"Top 10%", "Store", "All members", "member counts do not add up to All",
		// The definitions use the recorded windows, in both sections.
		"365 days · revenue, orders, buyers and discount", "90 days · a paid order", "amounts in ¥", `download="contribution.csv"`} {
		if !strings.Contains(en, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	if n := strings.Count(en, "365 days · revenue, orders, buyers and discount"); n != 2 {
		t.Errorf("window defined %d times, want once per section (2)", n)
	}
}

// TestRenderBreakdownCapsValues: a dimension with more values than
// pickerMaxValues shows the ones with the most revenue and says how many
// more the table holds.
func TestRenderBreakdownCapsValues(t *testing.T) {
	t.Parallel()
	b := sampleFigures()
	var stores []BreakdownRow
	for i := 0; i < pickerMaxValues+5; i++ {
		stores = append(stores, BreakdownRow{Dimension: "store", Value: fmt.Sprintf("S%03d", i), Basis: "order", Members: 10, Revenue: float64(1000 - i)})
	}
	b.Rows = stores
	out := render(t, sampleReport(b), report.Options{Lang: report.English})
	panel := out[strings.Index(out, `<div class="bd-panel bd-store"`):]
	panel = panel[:strings.Index(panel, "</tbody>")]
	if n := strings.Count(panel, "<tr>") - 1; n != pickerMaxValues+1 { // the head row
		t.Errorf("store panel has %d body rows, want the all row and %d stores", n, pickerMaxValues)
	}
	if !strings.Contains(panel, "S000") || strings.Contains(panel, fmt.Sprintf("S%03d", pickerMaxValues)) {
		t.Error("the panel does not show the stores with the most revenue")
	}
	if !strings.Contains(out, "The 20 values with the most revenue; 5 more are in the kpi_breakdown table.") {
		t.Error("no note on the values left out")
	}
}

// TestRenderBreakdownMissing: without the model's output both sections
// show the notice and draw nothing.
func TestRenderBreakdownMissing(t *testing.T) {
	t.Parallel()
	b := &Figures{Missing: []report.Missing{{Model: "kpi_breakdown", Table: "kpi_breakdown", Reason: report.NoTable}}}
	out := render(t, sampleReport(b), report.Options{Lang: report.English})
	if strings.Count(out, "model kpi_breakdown has not written table kpi_breakdown") != 2 || strings.Contains(out, "bd-panel") ||
		strings.Contains(out, `data-chart="contribution_top"`) {
		t.Error("missing breakdown: want the notice in both sections and no picker or chart")
	}
}
