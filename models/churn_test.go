package models

import (
	"regexp"
	"strings"
	"testing"
)

// TestChurnSQLFeatureOrder keeps churnFeatures, the features query's
// columns and the fill query's array f in the same order.
func TestChurnSQLFeatureOrder(t *testing.T) {
	t.Parallel()
	qs, err := Queries("churn")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\[([^\]]*)\] AS f`).FindStringSubmatch(qs["fill"])
	if m == nil {
		t.Fatal("fill query has no array f")
	}
	var arr []string
	for _, s := range strings.Split(m[1], ",") {
		arr = append(arr, strings.TrimSpace(s))
	}
	if strings.Join(arr, ",") != strings.Join(churnFeatures, ",") {
		t.Errorf("fill array f = %v\nwant churnFeatures %v", arr, churnFeatures)
	}
	// The outer SELECT of the features query names every feature with AS,
	// in order, between member_id and future_orders.
	re := regexp.MustCompile(`(?m)AS (\w+)`)
	outer := qs["features"][:strings.Index(qs["features"], "\nFROM")]
	var cols []string
	for _, m := range re.FindAllStringSubmatch(outer, -1) {
		cols = append(cols, m[1])
	}
	if strings.Join(cols, ",") != strings.Join(churnFeatures, ",") {
		t.Errorf("features query columns = %v\nwant %v", cols, churnFeatures)
	}
}

func TestChurnWords(t *testing.T) {
	t.Parallel()
	for _, f := range churnFeatures {
		hi, lo := churnWordsFor(f)
		if hi == "" || lo == "" || hi == lo || strings.Contains(hi, "_") || strings.Contains(lo, "_") {
			t.Errorf("%s: words %q / %q are not plain words", f, hi, lo)
		}
	}
	if hi, lo := churnWordsFor("login_30d"); hi != "many logins in the last 30 days" || lo != "few logins in the last 30 days" {
		t.Errorf("login_30d: %q / %q", hi, lo)
	}
}

func TestHasPlaceholder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		q, name string
		want    bool
	}{
		{"toDate(@as_of)", "as_of", true},
		{"toDateTime(@as_of_end, 'UTC')", "as_of", false},
		{"toDateTime(@as_of_end, 'UTC')", "as_of_end", true},
		{"@as_of_end < @as_of", "as_of", true},
		{"x = @as_of", "as_of", true},
		{"x = 1", "as_of", false},
	} {
		if got := hasPlaceholder(c.q, c.name); got != c.want {
			t.Errorf("hasPlaceholder(%q, %q) = %v, want %v", c.q, c.name, got, c.want)
		}
	}
}
