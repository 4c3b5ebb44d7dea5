package sql

import (
	"strings"
	"testing"
	"testing/fstest"
)

type ver struct{ major, minor int }

func (v ver) AtLeast(major, minor int) bool {
	if v.major != major {
		return v.major > major
	}
	return v.minor >= minor
}

func TestPick(t *testing.T) {
	fsys := fstest.MapFS{
		"q/a.sql":       {Data: []byte("base")},
		"q/a@21.9.sql":  {Data: []byte("twenty-one")},
		"q/a@23.8.sql":  {Data: []byte("twenty-three")},
		"q/ab.sql":      {Data: []byte("other query")},
		"q/b@23.8.sql":  {Data: []byte("no baseline")},
		"q/c.sql":       {Data: []byte("only baseline\n")},
		"q/a@21.9.yaml": {Data: []byte("not sql")},
	}
	tests := []struct {
		name    string
		v       ver
		want    string
		wantErr string
	}{
		{"a", ver{18, 16}, "base", ""},
		{"a", ver{21, 8}, "base", ""},
		{"a", ver{21, 9}, "twenty-one", ""},
		{"a", ver{23, 3}, "twenty-one", ""},
		{"a", ver{23, 8}, "twenty-three", ""},
		{"a", ver{26, 7}, "twenty-three", ""},
		{"c", ver{26, 7}, "only baseline", ""},
		{"b", ver{26, 7}, "", "no portable baseline b.sql"},
		{"missing", ver{26, 7}, "", "no portable baseline"},
	}
	for _, tt := range tests {
		got, err := Pick(fsys, "q", tt.name, tt.v)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Pick(%s, %v) error %v, want one containing %q", tt.name, tt.v, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Pick(%s, %v) = %q, %v; want %q", tt.name, tt.v, got, err, tt.want)
		}
	}
}

func TestVariantsOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"q/a@23.8.sql": {}, "q/a.sql": {}, "q/a@21.10.sql": {}, "q/a@21.9.sql": {},
	}
	vs, err := Variants(fsys, "q", "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.File)
	}
	want := "q/a.sql q/a@21.9.sql q/a@21.10.sql q/a@23.8.sql"
	if strings.Join(got, " ") != want {
		t.Fatalf("Variants = %q, want %q", got, want)
	}
}
