package chdb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestParseError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text     string
		code     int32
		codeName string
		message  string
	}{
		{"Code: 60. DB::Exception: Unknown table expression identifier 'x' in scope SELECT 1 FROM x. (UNKNOWN_TABLE)",
			60, "UNKNOWN_TABLE", "Unknown table expression identifier 'x' in scope SELECT 1 FROM x. (UNKNOWN_TABLE)"},
		{"Code: 62. DB::Exception: Syntax error: failed at position 1 (SELEC):\nSELEC 1. Expected one of: ... (SYNTAX_ERROR)\n",
			62, "SYNTAX_ERROR", "Syntax error: failed at position 1 (SELEC):\nSELEC 1. Expected one of: ... (SYNTAX_ERROR)"},
		{"Code: 1001. std::exception. Code: 1001, type: std::runtime_error", 1001, "", "std::exception. Code: 1001, type: std::runtime_error"},
	}
	for _, tt := range tests {
		err := parseError(tt.text)
		var ex *clickhouse.Exception
		if !errors.As(err, &ex) {
			t.Fatalf("parseError(%q) = %T, want *clickhouse.Exception", tt.text, err)
		}
		if ex.Code != tt.code || ex.CodeName != tt.codeName || ex.Message != tt.message {
			t.Errorf("parseError(%q) = %d %q %q, want %d %q %q", tt.text, ex.Code, ex.CodeName, ex.Message, tt.code, tt.codeName, tt.message)
		}
	}
	err := parseError("Invalid or closed connection")
	var ex *clickhouse.Exception
	if errors.As(err, &ex) || err.Error() != "Invalid or closed connection" {
		t.Errorf("plain text became %T %v", err, err)
	}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		kind   kind
		goType string
		check  func(*chType) bool
	}{
		{"String", kString, "string", nil},
		{"LowCardinality(String)", kString, "string", nil},
		{"FixedString(16)", kFixedString, "string", func(t *chType) bool { return t.size == 16 }},
		{"UInt64", kUInt64, "uint64", nil},
		{"Int8", kInt8, "int8", nil},
		{"Int128", kInt128, "*big.Int", nil},
		{"Float32", kFloat32, "float32", nil},
		{"Bool", kBool, "bool", nil},
		{"Decimal(18, 2)", kDecimal, "decimal.Decimal", func(t *chType) bool { return t.size == 8 && t.scale == 2 }},
		{"Decimal(9, 4)", kDecimal, "decimal.Decimal", func(t *chType) bool { return t.size == 4 && t.scale == 4 }},
		{"Decimal(38, 6)", kDecimal, "decimal.Decimal", func(t *chType) bool { return t.size == 16 && t.scale == 6 }},
		{"Decimal64(3)", kDecimal, "decimal.Decimal", func(t *chType) bool { return t.size == 8 && t.scale == 3 }},
		{"Date", kDate, "time.Time", nil},
		{"Date32", kDate32, "time.Time", nil},
		{"DateTime", kDateTime, "time.Time", func(t *chType) bool { return t.loc == time.UTC }},
		{"DateTime('UTC')", kDateTime, "time.Time", func(t *chType) bool { return t.loc == time.UTC }},
		{"DateTime('Europe/Berlin')", kDateTime, "time.Time", func(t *chType) bool { return t.loc.String() == "Europe/Berlin" }},
		{"DateTime64(3)", kDateTime64, "time.Time", func(t *chType) bool { return t.scale == 3 && t.loc == time.UTC }},
		{"DateTime64(6, 'UTC')", kDateTime64, "time.Time", func(t *chType) bool { return t.scale == 6 }},
		{"Enum8('a' = 1, 'b, \\'c\\'' = -2)", kEnum8, "string", func(t *chType) bool { return t.enum[-2] == "b, 'c'" && t.enumR["a"] == 1 }},
		{"Nullable(Decimal(18, 2))", kNullable, "*decimal.Decimal", nil},
		{"Array(Nullable(Int32))", kArray, "[]*int32", nil},
		{"Array(Array(String))", kArray, "[][]string", nil},
		{"Array(LowCardinality(Nullable(String)))", kArray, "[]*string", nil},
		{"Nullable(Nothing)", kNullable, "interface {}", nil},
	}
	for _, tt := range tests {
		ct, err := parseType(tt.in)
		if err != nil {
			t.Errorf("parseType(%q): %v", tt.in, err)
			continue
		}
		if ct.kind != tt.kind || ct.goType().String() != tt.goType || (tt.check != nil && !tt.check(ct)) {
			t.Errorf("parseType(%q) = kind %d, Go %s, %+v", tt.in, ct.kind, ct.goType(), ct)
		}
	}
	for _, bad := range []string{"UUID", "Map(String, UInt64)", "Tuple(UInt8, String)", "Decimal(18)", "DateTime('No/Such_Zone')", "Nested("} {
		if _, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q): no error", bad)
		}
	}
}

func TestLocate(t *testing.T) {
	// Not parallel: it changes the environment and working directory.
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)

	t.Setenv(LibraryEnv, "")
	_, err := Locate()
	want := filepath.Join(root, ".cache", "chdb", "libchdb.so")
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), LibraryEnv) {
		t.Fatalf("Locate without a library: %v; want ErrLibraryNotFound naming %s and %s", err, want, LibraryEnv)
	}

	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("\x7fELF"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Locate()
	if err != nil || got != want {
		t.Fatalf("Locate() = %q, %v; want %q", got, err, want)
	}

	missing := filepath.Join(root, "nope.so")
	t.Setenv(LibraryEnv, missing)
	if _, err := Locate(); !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Locate with %s=%s: %v", LibraryEnv, missing, err)
	}
	t.Setenv(LibraryEnv, want)
	if got, err := Locate(); err != nil || got != want {
		t.Fatalf("Locate() from the environment = %q, %v; want %q", got, err, want)
	}
}
