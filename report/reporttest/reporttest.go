// Package reporttest holds the checks a model folder's report section
// test makes of a rendered page (models/<name>/report_test.go), so each
// section test states what its page must show, not how to look.
package reporttest

import (
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
