package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompareFlagsRegressions(t *testing.T) {
	var out bytes.Buffer
	if err := run("testdata/committed.md", "testdata/run.txt", false, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		// rows/s 25% below the committed 1.00: a regression.
		"REGRESSION load.csv10.rows: 0.75, committed 1 (25% worse; load average 3.10)",
		// 5.0x against 4.0x, 25% worse.
		"REGRESSION models.rfm: 5, committed 4 (25% worse; load average 1.00)",
		"not measured in this run: models.cohorts (scale 0.1, committed 8)",
		"2 ratio(s) more than 20% worse",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// CPU 1.25 against 1.10 is 14% worse: reported, not a regression.
	if strings.Contains(got, "REGRESSION load.csv10.cpu") {
		t.Errorf("a 14%% change called a regression:\n%s", got)
	}
	// The scale-1 figures are all measured; none is reported missing, and
	// a new figure has no committed one.
	if strings.Contains(got, "not measured in this run: load.") {
		t.Errorf("measured figure reported missing:\n%s", got)
	}
	if !strings.Contains(got, "models.new") {
		t.Errorf("a figure without a committed one is not listed:\n%s", got)
	}
	if err := run("testdata/committed.md", "testdata/run.txt", true, &out); err == nil {
		t.Error("strict run with regressions returned nil")
	}
}

func TestCompareDirectionAndThreshold(t *testing.T) {
	committed := map[string]figure{
		"up@1":   {name: "up", scale: "1", value: 1, higher: true},
		"down@1": {name: "down", scale: "1", value: 10},
	}
	for _, tc := range []struct {
		name  string
		value float64
		reg   bool
	}{
		{"up", 0.81, false}, {"up", 0.79, true}, {"up", 5, false},
		{"down", 11.9, false}, {"down", 12.1, true}, {"down", 1, false},
	} {
		rows, _ := compare(committed, []figure{{name: tc.name, scale: "1", value: tc.value, higher: tc.name == "up"}})
		if rows[0].regression != tc.reg {
			t.Errorf("%s %g: regression %v, want %v (change %g)", tc.name, tc.value, rows[0].regression, tc.reg, rows[0].change)
		}
	}
	// Another scale is not compared.
	rows, missing := compare(committed, []figure{{name: "up", scale: "0.1", value: 0.1, higher: true}})
	if rows[0].committed != nil || rows[0].regression || len(missing) != 0 {
		t.Errorf("scale 0.1 compared with scale 1: %+v, missing %v", rows[0], missing)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"no block here\n", "no ```bench-ratios block"},
		{"```bench-ratios\nx 1 1 higher\n", "not closed"},
		{"```bench-ratios\nx 1 abc higher\n```\n", "line 2: value \"abc\""},
		{"```bench-ratios\nx 1 1 sideways\n```\n", "line 2: better is \"sideways\""},
		{"```bench-ratios\nx 1 1\n```\n", "line 2: 3 fields, want 4"},
		{"```bench-ratios\nx 1 1 higher\nx 1 2 higher\n```\n", "line 3: x at scale 1 twice"},
	} {
		_, err := parseCommitted(strings.NewReader(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.doc, err, tc.want)
		}
	}
	if _, err := parseRun(strings.NewReader("x 1 1 higher\n")); err == nil || !strings.Contains(err.Error(), "want 5") {
		t.Errorf("run line without load: error %v", err)
	}
}
