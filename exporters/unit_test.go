package exporters

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ      string
		kind     kind
		nullable bool
		p, s     int
		err      error
	}{
		{"String", kindString, false, 0, 0, nil},
		{"Nullable(String)", kindString, true, 0, 0, nil},
		{"UInt64", kindUInt64, false, 0, 0, nil},
		{"Decimal(18, 2)", kindDecimal, false, 18, 2, nil},
		{"Nullable(Decimal(9, 4))", kindDecimal, true, 9, 4, nil},
		{"DateTime('UTC')", kindDateTime, false, 0, 0, nil},
		{"DateTime", kindDateTime, false, 0, 0, nil},
		{"Nullable(Date)", kindDate, true, 0, 0, nil},
		{"Array(String)", kindArrayString, false, 0, 0, nil},
		{"Decimal(38, 2)", 0, false, 0, 0, ErrUnsupportedType},
		{"Array(UInt8)", 0, false, 0, 0, ErrUnsupportedType},
		{"Nullable(Array(String))", 0, false, 0, 0, ErrUnsupportedType},
		{"UUID", 0, false, 0, 0, ErrUnsupportedType},
		{"DateTime64(3)", 0, false, 0, 0, ErrUnsupportedType},
	}
	for _, tt := range tests {
		c, err := parseColumn("c", tt.typ)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("parseColumn(%s) err = %v, want %v", tt.typ, err, tt.err)
			}
			continue
		}
		if err != nil || c.kind != tt.kind || c.nullable != tt.nullable || c.precision != tt.p || c.scale != tt.s {
			t.Errorf("parseColumn(%s) = %+v, %v", tt.typ, c, err)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v     int64
		scale int
		want  string
	}{
		{0, 2, "0.00"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {-1230, 2, "-12.30"}, {1, 0, "1"},
		{-9223372036854775808, 2, "-92233720368547758.08"}, {123456, 4, "12.3456"},
	}
	for _, tt := range tests {
		if got := formatDecimal(tt.v, tt.scale); got != tt.want {
			t.Errorf("formatDecimal(%d, %d) = %s, want %s", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	if _, err := NewCatalog(Source{Name: "../evil", Table: "x"}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("name with a path: err = %v", err)
	}
	if _, err := NewCatalog(Source{Name: "a", Table: "x"}, Source{Name: "a", Table: "y"}); err == nil {
		t.Error("duplicate name accepted")
	}
	if _, err := NewCatalog(Source{Name: "a"}); err == nil {
		t.Error("source with neither table nor query accepted")
	}
	c, err := NewCatalog(Source{Name: "b", Table: "b"}, Source{Name: "a", Table: "a"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Select([]string{"a", "b", "a"})
	if err != nil || len(got) != 2 || got[0].Name != "b" || got[1].Name != "a" {
		t.Errorf("Select = %v, %v; want b, a in catalog order", got, err)
	}
	for _, bad := range []string{"members", "../b", "B"} {
		if _, err := c.Select([]string{bad}); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Select(%q) err = %v, want ErrNotAllowed", bad, err)
		}
	}
	def, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if n := def.Names(); len(n) != 9 || n[0] != TableMemberProfile || n[1] != TableSegmentMembers || n[2] != TableSegmentChanges || n[3] != TableCampaignResults || n[4] != TableKPIBreakdown || n[5] != TableCategoryAffinity || n[8] != TableOccasions {
		t.Errorf("DefaultCatalog names = %v", n)
	}
	// The points and occasions tables are exported only when named.
	if got, err := def.Select(nil); err != nil || len(got) != 6 {
		t.Errorf("Select(nil) = %v, %v; want the six standard tables", got, err)
	}
	if got, err := def.Select([]string{TableOccasions, TablePointsBalance}); err != nil || len(got) != 2 || got[0].Name != TablePointsBalance {
		t.Errorf("Select(occasions, points_balance) = %v, %v", got, err)
	}
}

func TestNormalizeFormats(t *testing.T) {
	t.Parallel()
	got, err := normalizeFormats([]string{"arrow", "parquet", "arrow"})
	if err != nil || len(got) != 2 || got[0] != "parquet" || got[1] != "arrow" {
		t.Errorf("normalizeFormats = %v, %v", got, err)
	}
	if _, err := normalizeFormats([]string{"xlsx"}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("xlsx: err = %v", err)
	}
}

func TestResolveDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	base := filepath.Join(root, "exports")
	outside := filepath.Join(root, "elsewhere")
	if err := os.MkdirAll(outside, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(base, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	realBase, _ := filepath.EvalSymlinks(base)
	tests := []struct {
		out  string
		want string // "" means refused
	}{
		{"", realBase},
		{base, realBase},
		{filepath.Join(base, "crm"), filepath.Join(realBase, "crm")},
		{filepath.Join(base, "a", "b"), filepath.Join(realBase, "a", "b")},
		{filepath.Join(base, "..", "elsewhere"), ""},
		{filepath.Join(base, "crm", "..", "..", "elsewhere"), ""},
		{outside, ""},
		{"/", ""},
		{filepath.Join(base, "link"), ""},
		{filepath.Join(base, "link", "new"), ""},
	}
	for _, tt := range tests {
		got, err := ResolveDir(base, tt.out)
		if tt.want == "" {
			if !errors.Is(err, ErrOutsideDir) {
				t.Errorf("ResolveDir(%q) = %q, %v; want ErrOutsideDir", tt.out, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveDir(%q) = %q, %v; want %q", tt.out, got, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); err == nil {
		t.Error("a refused --out was created outside the export dir")
	}
}

func TestLockRefusesSecondExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.unlock()
	if _, err := lockDir(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: err = %v, want ErrLocked", err)
	}
}
