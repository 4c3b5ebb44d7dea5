package report

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"
)

// TestCampaignsNotRunOrEmptyIntegration: without a succeeded campaigns
// run for the as_of (none, or a failed one) the section says the model
// has no rows for the date; after a succeeded run that published no rows
// it says there are no campaigns with assignments for the date, and the
// report counts nothing missing for campaigns.
func TestCampaignsNotRunOrEmptyIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, "lifecycle")
	ctx := context.Background()
	ran := func(status string) {
		t.Helper()
		f.batch(t, "INSERT INTO model_runs (as_of, model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at)",
			[][]any{{day2, "campaigns", "r-" + status, status, "", []string{"tiers"}, []string{"r"}, time.Now(), time.Now()}})
	}
	page := func(r *Report) string {
		t.Helper()
		var b strings.Builder
		if err := Render(&b, r, Options{Lang: English}); err != nil {
			t.Fatal(err)
		}
		return html.UnescapeString(b.String())
	}
	for _, status := range []string{"", "failed"} {
		if status != "" {
			ran(status)
		}
		r, err := Load(ctx, f.conn, day2)
		if err != nil {
			t.Fatal(err)
		}
		ms := r.Campaigns.Missing
		if len(ms) != 2 || ms[0].Table != "campaign_results" || ms[1].Table != "campaign_funnel" {
			t.Fatalf("run %q: campaigns missing = %+v, want campaign_results and campaign_funnel", status, ms)
		}
		for _, m := range ms {
			if m.Model != "campaigns" || m.Reason != NoPartition {
				t.Errorf("run %q: %+v, want campaigns without a partition", status, m)
			}
		}
		s := campaignSection(r, Options{Lang: English}.format())
		out := page(r)
		if len(s.Notices) != 2 || s.Note == English.T("no_campaigns") ||
			!strings.Contains(out, "model campaigns has no rows for 2026-11-20 in table campaign_results") || strings.Contains(out, "No campaigns with assignments") {
			t.Errorf("run %q: section notices %v, note %q; want the model-did-not-run notices, not the no-campaigns note", status, s.Notices, s.Note)
		}
	}
	ran("succeeded")
	r, err := Load(ctx, f.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Campaigns.Missing != nil || len(r.Campaigns.Rows) != 0 || len(r.Campaigns.Funnel) != 0 {
		t.Errorf("after a succeeded empty run: %+v; want nothing missing and no rows", r.Campaigns)
	}
	for _, m := range r.Missing() {
		if m.Model == "campaigns" {
			t.Errorf("report counts %+v missing after its model ran", m)
		}
	}
	s := campaignSection(r, Options{Lang: English}.format())
	if len(s.Notices) != 0 || s.Note != English.T("no_campaigns") || len(s.Defs) == 0 || len(s.Tables) != 0 {
		t.Errorf("section after an empty run = notices %v, note %q, %d tables; want the no-campaigns note and definitions", s.Notices, s.Note, len(s.Tables))
	}
	if out := page(r); !strings.Contains(out, "No campaigns with assignments for this date") || strings.Contains(out, "model campaigns has no rows") {
		t.Error("page after an empty run lacks the no-campaigns note or still says the model has no rows")
	}
}
