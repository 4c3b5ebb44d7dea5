package query

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/sql"
)

// TestParsed: every report query parsed when the program started (each
// model's file is parsed by its package's MustParse).
func TestParsed(t *testing.T) {
	t.Parallel()
	qs, err := report.Sources()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(sql.ReportNames()) || len(qs) == 0 {
		t.Errorf("report: %d queries, want one per file (%d)", len(qs), len(sql.ReportNames()))
	}
}

func TestSections(t *testing.T) {
	t.Parallel()
	qs, err := Sections("x.sql", "-- a comment\n-- name: one\nSELECT 1;\n-- name: two\nSELECT 2\n")
	if err != nil || qs["one"] != "SELECT 1" || qs["two"] != "SELECT 2" {
		t.Errorf("Sections = %v, %v", qs, err)
	}
	if _, err := Sections("x.sql", "-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n"); err == nil || !strings.Contains(err.Error(), "x.sql line 3: query a given twice") {
		t.Errorf("duplicate query: err = %v", err)
	}
	if _, err := Sections("x.sql", "SELECT 1\n"); !errors.Is(err, ErrNoSQL) {
		t.Errorf("no sections: err = %v", err)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	q := MustParse("rfm", "-- name: base_create\nCREATE TABLE {{scratch}} (x UInt8) ENGINE = Memory;\n").On(nil)
	got, err := q.Text("base_create", Tables{"scratch": "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "CREATE TABLE `s1`") || strings.Contains(got, "{{") {
		t.Errorf("query not filled: %s", got)
	}
	if _, err := q.Text("nope", nil); !errors.Is(err, ErrNoSQL) || !strings.HasPrefix(err.Error(), "rfm.nope: ") {
		t.Errorf("missing query: err = %v", err)
	}
	if _, err := Sections("empty.sql", "-- only a comment\n"); !errors.Is(err, ErrNoSQL) {
		t.Errorf("file without queries: err = %v", err)
	}
	if _, err := q.Text("base_create", nil); err == nil || !strings.Contains(err.Error(), "unfilled placeholder") {
		t.Errorf("unfilled placeholder: err = %v", err)
	}
}

// TestReportIsReadOnly: the report's queries cannot write.
func TestReportIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := ForReport(nil)
	if err := q.Exec(ctx, "runs", nil); !errors.Is(err, errReadOnly) || !strings.HasPrefix(err.Error(), "report.runs: ") {
		t.Errorf("Exec on the report: err = %v", err)
	}
	if _, err := q.Scratch(ctx); !errors.Is(err, errReadOnly) {
		t.Errorf("Scratch on the report: err = %v", err)
	}
	if _, err := q.Stage(ctx, "rfm", time.Time{}, nil); !errors.Is(err, errReadOnly) {
		t.Errorf("Stage on the report: err = %v", err)
	}
}
