package report

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
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
