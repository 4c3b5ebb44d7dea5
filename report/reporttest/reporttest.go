// Package reporttest holds the checks a model folder's report section
// test makes of a rendered page (models/<name>/report_test.go), so each
// section test states what its page must show, not how to look.
package reporttest

import (
	"fmt"
	"strings"
	"testing"
)

// Contains reports, as t.Errorf naming the page (its language, say), each
// of want that page lacks.
func Contains[N ~string](t testing.TB, name N, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s: page lacks %q", name, w)
		}
	}
}

// Charts reports each of charts that has no data-chart attribute on
// page.
func Charts[N ~string](t testing.TB, name N, page string, charts ...string) {
	t.Helper()
	for _, c := range charts {
		if !strings.Contains(page, `data-chart="`+c+`"`) {
			t.Errorf("%s: no chart %s", name, c)
		}
	}
}

// Order reports unless the page's elements of the given ids (id="...")
// come in that order, the first of them present: a section's place on
// the page between its neighbours.
func Order[N ~string](t testing.TB, name N, page string, ids ...string) {
	t.Helper()
	at := make([]int, len(ids))
	var where []string
	ok := true
	for i, id := range ids {
		at[i] = strings.Index(page, `id="`+id+`"`)
		where = append(where, fmt.Sprintf("%s at %d", id, at[i]))
		if i == 0 && at[i] < 0 || i > 0 && at[i] <= at[i-1] {
			ok = false
		}
	}
	if !ok {
		t.Errorf("%s: %s; want them in that order", name, strings.Join(where, ", "))
	}
}
