package internal

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/memberlytics/memberlytics/"

// mayImport lists, per zone, the zones its non-test code may import besides
// itself. Imports point one way: cmd -> jobs -> {models, loaders, exporters,
// report} -> internal/platform, sql, and a model's folder imports report to
// declare its section of the page (report never imports models).
// Production code never imports testkit.
var mayImport = map[string][]string{
	"cmd":       {"jobs", "models", "loaders", "exporters", "report", "platform", "devtools", "sql"},
	"jobs":      {"models", "loaders", "exporters", "report", "platform", "sql"},
	"models":    {"report", "platform", "sql"},
	"loaders":   {"platform", "sql"},
	"exporters": {"platform", "sql"},
	"report":    {"platform", "sql"},
	"devtools":  {"platform", "sql", "deploy"},
	"testkit":   {"platform", "devtools", "models", "sql", "deploy"},
	"deploy":    {"platform", "sql"},
	"platform":  {"sql"},
	"sql":       nil,
}

// zone names the zone of a package path relative to the module root.
func zone(rel string) string {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if parts[0] == "internal" && len(parts) > 1 {
		return parts[1]
	}
	return parts[0]
}

func allowed(from, to string) bool {
	if from == to {
		return true
	}
	for _, z := range mayImport[from] {
		if z == to {
			return true
		}
	}
	return false
}

func TestAllowed(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     bool
	}{
		{"cmd", "jobs", true},
		{"jobs", "cmd", false},
		{"models", "exporters", false},
		{"report", "models", false},
		{"models", "report", true},
		{"loaders", "report", false},
		{"models", "platform", true},
		{"platform", "models", false},
		{"platform", "testkit", false},
		{"models", "testkit", false},
		{"testkit", "platform", true},
		{"sql", "platform", false},
	} {
		if got := allowed(tt.from, tt.to); got != tt.want {
			t.Errorf("allowed(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
	if z := zone("internal/platform/warehouse"); z != "platform" {
		t.Errorf("zone(internal/platform/warehouse) = %s", z)
	}
	if z := zone("models/clv"); z != "models" {
		t.Errorf("zone(models/clv) = %s", z)
	}
}

// TestZones parses the imports of every non-test Go file in the module and
// fails on an import against mayImport or from a directory of no known zone.
func TestZones(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		from := zone(rel)
		if rel == "internal" {
			return nil // this package's doc.go
		}
		if _, ok := mayImport[from]; !ok {
			t.Errorf("%s: directory %s is in no zone (add it to mayImport and docs/architecture.md)", path, rel)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(p, module) {
				continue
			}
			if to := zone(strings.TrimPrefix(p, module)); !allowed(from, to) {
				t.Errorf("%s: %s (zone %s) imports %s (zone %s)", filepath.Join(rel, name), rel, from, p, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	if files == 0 {
		t.Fatalf("no Go files under %s", root)
	}
}
