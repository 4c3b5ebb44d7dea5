package compat

import (
	"math"
	"strings"
	"testing"
)

func TestNormalizeType(t *testing.T) {
	tests := []struct{ in, want string }{
		{"String", "String"},
		{"Decimal(18, 2)", "Decimal(18, 2)"},
		{"Decimal(18,2)", "Decimal(18, 2)"},
		{" Nullable( Decimal(18 ,2) ) ", "Nullable(Decimal(18, 2))"},
		{"DateTime('UTC')", "DateTime('UTC')"},
		{"Array(Tuple(String,Float64))", "Array(Tuple(String, Float64))"},
	}
	for _, tt := range tests {
		if got := NormalizeType(tt.in); got != tt.want {
			t.Errorf("NormalizeType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		typ      string
		kind     kind
		nullable bool
	}{
		{"Float64", kindFloat, false},
		{"Nullable(Float32)", kindFloat, true},
		{"Decimal(18, 2)", kindDecimal, false},
		{"Nullable(Decimal(18, 4))", kindDecimal, true},
		{"String", kindText, false},
		{"Nullable(Date)", kindTime, true},
		{"DateTime('UTC')", kindTime, false},
		{"Array(Float64)", kindText, false}, // compared in text form
	}
	for _, tt := range tests {
		k, n := kindOf(tt.typ)
		if k != tt.kind || n != tt.nullable {
			t.Errorf("kindOf(%q) = %v, %v; want %v, %v", tt.typ, k, n, tt.kind, tt.nullable)
		}
	}
}

func TestToleranceEqual(t *testing.T) {
	tol := DefaultTolerance
	tests := []struct {
		a, b float64
		want bool
	}{
		{1, 1, true},
		{1e6, 1e6 * (1 + 5e-10), true},
		{1e6, 1e6 * (1 + 2e-9), false},
		{0, 1e-13, true},
		{0, 1e-11, false},
		{-3.5, 3.5, false},
		{math.NaN(), math.NaN(), true},
		{math.NaN(), 0, false},
		{math.Inf(1), math.Inf(1), true},
		{math.Inf(1), math.MaxFloat64, false},
		{math.Inf(1), math.Inf(-1), false},
	}
	for _, tt := range tests {
		if got := tol.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%g, %g) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCanonicalDecimal(t *testing.T) {
	for in, want := range map[string]string{"12.30": "12.3", "12.3": "12.3", "0.00": "0", "-1.50": "-1.5", `\N`: `\N`} {
		if got := canonicalDecimal(in); got != want {
			t.Errorf("canonicalDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalTime(t *testing.T) {
	for in, want := range map[string]string{
		"0000-00-00": "1970-01-01", "0000-00-00 00:00:00": "1970-01-01 00:00:00",
		"1970-01-01": "1970-01-01", "2025-12-31 16:00:00": "2025-12-31 16:00:00", `\N`: `\N`,
	} {
		if got := canonicalTime(in); got != want {
			t.Errorf("canonicalTime(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompareTables(t *testing.T) {
	cols := []Column{{Name: "id", Type: "String"}, {Name: "amount", Type: "Decimal(18, 2)"}, {Name: "score", Type: "Nullable(Float64)"}}
	row := func(id, amount string, score float64, null bool) Row {
		return Row{Text: []string{id, amount, ""}, Float: []float64{0, 0, score}, Null: []bool{false, false, null}}
	}
	base := &Table{Name: "t", Columns: cols, Rows: []Row{row("a", "1.5", 0.1, false), row("b", "2", 0, true)}}
	tests := []struct {
		name string
		rows []Row
		want string // a substring of the only difference; empty for none
	}{
		{"same", []Row{row("a", "1.5", 0.1, false), row("b", "2", 0, true)}, ""},
		{"float within tolerance", []Row{row("a", "1.5", 0.1*(1+1e-12), false), row("b", "2", 0, true)}, ""},
		{"float outside tolerance", []Row{row("a", "1.5", 0.1*(1+1e-6), false), row("b", "2", 0, true)}, "column score"},
		{"null against value", []Row{row("a", "1.5", 0.1, false), row("b", "2", 0, false)}, `\N on x`},
		{"decimal", []Row{row("a", "1.51", 0.1, false), row("b", "2", 0, true)}, "column amount: 1.5 on x, 1.51 on y"},
		{"key", []Row{row("A", "1.5", 0.1, false), row("b", "2", 0, true)}, "column id"},
		{"row count", []Row{row("a", "1.5", 0.1, false)}, "2 rows on x, 1 on y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := &Table{Name: "t", Columns: cols, Rows: tt.rows}
			diffs := CompareTables("x", base, "y", other, DefaultTolerance)
			switch {
			case tt.want == "" && len(diffs) != 0:
				t.Fatalf("differences %q, want none", diffs)
			case tt.want != "" && (len(diffs) != 1 || !strings.Contains(diffs[0], tt.want)):
				t.Fatalf("differences %q, want one containing %q", diffs, tt.want)
			}
		})
	}
}

func TestCompareSchemas(t *testing.T) {
	table := func(typ, comment string) TableSchema {
		return TableSchema{Name: "t", Engine: "MergeTree", SortingKey: "id", Columns: []Column{{Name: "id", Type: typ, Comment: comment}}}
	}
	tests := []struct {
		name string
		a, b map[string]TableSchema
		want string
	}{
		{"same", map[string]TableSchema{"t": table("String", "key")}, map[string]TableSchema{"t": table("String", "key")}, ""},
		{"spacing", map[string]TableSchema{"t": table("Decimal(18, 2)", "key")}, map[string]TableSchema{"t": table("Decimal(18,2)", "key")}, ""},
		{"type", map[string]TableSchema{"t": table("String", "key")}, map[string]TableSchema{"t": table("UInt64", "key")}, "type String on x, UInt64 on y"},
		{"comment differs", map[string]TableSchema{"t": table("String", "key")}, map[string]TableSchema{"t": table("String", "id")}, "comment"},
		{"no comment", map[string]TableSchema{"t": table("String", "")}, map[string]TableSchema{"t": table("String", "")}, "no comment"},
		{"missing table", map[string]TableSchema{"t": table("String", "key")}, map[string]TableSchema{}, "on x only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs := CompareSchemas("x", Schema{Tables: tt.a}, "y", Schema{Tables: tt.b})
			switch {
			case tt.want == "" && len(diffs) != 0:
				t.Fatalf("differences %q, want none", diffs)
			case tt.want != "" && (len(diffs) != 1 || !strings.Contains(diffs[0], tt.want)):
				t.Fatalf("differences %q, want one containing %q", diffs, tt.want)
			}
		})
	}
}
