package sql_test

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/sql"
)

// Every <table>_latest view, as the migrations leave it on a fresh database
// (applied in order: DROP TABLE IF EXISTS removes a view, CREATE VIEW IF
// NOT EXISTS creates one only when it is absent), must read the newest
// published snapshot, not the table's own max(as_of): a later migration
// that recreates a view (to pick up new columns) must keep the rule.
func TestLatestViewsReadSnapshots(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(sql.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	stmt := regexp.MustCompile(`(?is)(CREATE VIEW IF NOT EXISTS|DROP TABLE IF EXISTS) (\w+_latest)\b(.*?);`)
	last := map[string]string{}
	where := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(sql.Migrations(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range stmt.FindAllStringSubmatch(string(b), -1) {
			view := m[2]
			switch {
			case strings.HasPrefix(strings.ToUpper(m[1]), "DROP"):
				delete(last, view)
			case last[view] == "":
				last[view], where[view] = m[3], f
			}
		}
	}
	if len(last) == 0 {
		t.Fatal("no _latest view found in the migrations")
	}
	for view, body := range last {
		if !strings.Contains(body, "FROM snapshots") {
			t.Errorf("%s (last created in %s) does not read snapshots:%s", view, where[view], body)
		}
	}
}
