package migrate

import (
	"reflect"
	"testing"

	"github.com/memberlytics/memberlytics/sql"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
		err  bool
	}{
		{"two", "SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}, false},
		{"no trailing semicolon", "SELECT 1", []string{"SELECT 1"}, false},
		{"semicolon in string", "SELECT 'a;b'; SELECT 2", []string{"SELECT 'a;b'", "SELECT 2"}, false},
		{"escaped quote", `SELECT 'it\'s;'; SELECT 2`, []string{`SELECT 'it\'s;'`, "SELECT 2"}, false},
		{"line comment", "-- a; b\nSELECT 1; -- c;\n", []string{"-- a; b\nSELECT 1"}, false},
		{"block comment", "/* x; y */ SELECT 1;", []string{"/* x; y */ SELECT 1"}, false},
		{"backticks", "SELECT `a;b` FROM t", []string{"SELECT `a;b` FROM t"}, false},
		{"only comments", "-- nothing\n/* here */;", nil, false},
		{"unterminated quote", "SELECT 'abc", nil, true},
		{"unterminated comment", "SELECT 1 /* abc", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("Split(%q) err = %v, want error %v", tt.in, err, tt.err)
			}
			if !tt.err && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLoadRefusesBadNames(t *testing.T) {
	t.Parallel()
	ms, err := Load(sql.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migrations out of order: %s after %s", m.Name, ms[i-1].Name)
		}
		stmts, err := Split(m.SQL)
		if err != nil || len(stmts) == 0 {
			t.Errorf("%s: %d statements, %v", m.Name, len(stmts), err)
		}
	}
}
