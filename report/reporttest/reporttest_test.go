package reporttest

import "testing"

// TestChecks: each check passes on a page that has what it looks for and
// fails on one that lacks it.
func TestChecks(t *testing.T) {
	page := `<svg data-chart="rfm_members"></svg><h2>RFM</h2>`
	for _, c := range []struct {
		name  string
		check func(testing.TB)
		fails bool
	}{
		{"contains", func(tb testing.TB) { Contains(tb, "en", page, "RFM", "rfm_members") }, false},
		{"lacks", func(tb testing.TB) { Contains(tb, "en", page, "RFM", "Cohorts") }, true},
		{"chart", func(tb testing.TB) { Charts(tb, "en", page, "rfm_members") }, false},
		{"no chart", func(tb testing.TB) { Charts(tb, "en", page, "rfm_members", "RFM") }, true},
	} {
		rec := &recorder{TB: t}
		c.check(rec)
		if rec.failed != c.fails {
			t.Errorf("%s: failed %v, want %v", c.name, rec.failed, c.fails)
		}
	}
}

// recorder notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

// TestOrder: ids in order pass; out of order, or a missing one, fail.
func TestOrder(t *testing.T) {
	page := `<div id="kpis"></div><div id="rfm"></div><div id="trends"></div>`
	for _, c := range []struct {
		ids   []string
		fails bool
	}{
		{[]string{"kpis", "rfm", "trends"}, false},
		{[]string{"kpis", "trends"}, false},
		{[]string{"rfm", "kpis"}, true},
		{[]string{"kpis", "clv", "trends"}, true},
		{[]string{"clv", "kpis"}, true},
	} {
		rec := &recorder{TB: t}
		Order(rec, "en", page, c.ids...)
		if rec.failed != c.fails {
			t.Errorf("%v: failed %v, want %v", c.ids, rec.failed, c.fails)
		}
	}
}
