package report

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCategoryIntegration: the category section counts members per
// preferred top-level category and tier (fixture: member i prefers
// beauty, home, food by i%3 and is in tier level i%3, one up when i%4 = 0
// at day2), categories most members first, tiers from the entry level,
// and the page draws the heat map in both languages.
func TestCategoryIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	r, err := Load(context.Background(), f.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Category
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
	for _, lang := range Langs {
		var b bytes.Buffer
		if err := Render(&b, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `data-chart="category_tier"`) || !strings.Contains(b.String(), lang.T("preferred_category")) {
			t.Errorf("%s: page lacks the category x tier heat map", lang)
		}
	}
}

// Without category_affinity the section shows a notice naming the model.
func TestCategoryMissingIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	f.drop(t, "category_affinity")
	r, err := Load(context.Background(), f.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Category.Missing) != 1 || r.Category.Missing[0].Model != "category_affinity" {
		t.Errorf("missing = %+v", r.Category.Missing)
	}
	if s := categorySection(r, Options{Lang: English}.format()); len(s.Notices) != 1 || len(s.Charts) != 0 {
		t.Errorf("section = %+v", s)
	}
}

// A category_affinity run that published no rows for the as_of (no order
// lines) leaves the section empty with a note, not a missing-model
// notice; with no succeeded run (none, or a failed one) the output is
// missing.
func TestCategoryEmptyRunIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	ctx := context.Background()
	if err := f.conn.Exec(ctx, "ALTER TABLE category_affinity DROP PARTITION '"+day2.Format("2006-01-02")+"'"); err != nil {
		t.Fatal(err)
	}
	ran := func(status string) {
		t.Helper()
		f.batch(t, "INSERT INTO model_runs (as_of, model, run_id, status, reason, dep_models, dep_run_ids, started_at, finished_at)",
			[][]any{{day2, "category_affinity", "r-" + status, status, "", []string{}, []string{}, time.Now(), time.Now()}})
	}
	for _, status := range []string{"", "failed"} {
		if status != "" {
			ran(status)
		}
		r, err := Load(ctx, f.conn, day2)
		if err != nil {
			t.Fatal(err)
		}
		if ms := r.Category.Missing; len(ms) != 1 || ms[0].Model != "category_affinity" || ms[0].Reason != NoPartition {
			t.Errorf("run %q: category missing = %+v, want category_affinity without a partition", status, ms)
		}
	}
	ran("succeeded")
	r, err := Load(ctx, f.conn, day2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Category.Missing != nil || len(r.Category.Categories) != 0 {
		t.Errorf("after a succeeded empty run: missing %+v, categories %v; want neither", r.Category.Missing, r.Category.Categories)
	}
	for _, m := range r.Missing() {
		if m.Model == "category_affinity" {
			t.Errorf("report counts %+v missing after its model ran", m)
		}
	}
	s := categorySection(r, Options{Lang: English}.format())
	if len(s.Notices) != 0 || len(s.Charts) != 0 || s.Note != English.T("category_none") || len(s.Defs) == 0 {
		t.Errorf("section after an empty run = notices %v, %d charts, note %q; want the empty note and definitions", s.Notices, len(s.Charts), s.Note)
	}
}
