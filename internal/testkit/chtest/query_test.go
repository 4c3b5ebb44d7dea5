package chtest

import (
	"reflect"
	"testing"
)

func TestQueryHelpersIntegration(t *testing.T) {
	t.Parallel()
	conn := NewDB(t)
	if got := QueryUint(t, conn, "SELECT count() FROM numbers(10) WHERE number < ?", 7); got != 7 {
		t.Errorf("QueryUint = %d, want 7", got)
	}
	tests := []struct {
		q    string
		args []any
		want string
	}{
		{"SELECT concat('a', ?)", []any{"b"}, "ab"},
		{"SELECT 'x' FROM system.one WHERE 0", nil, ""}, // no row
	}
	for _, tt := range tests {
		if got := QueryString(t, conn, tt.q, tt.args...); got != tt.want {
			t.Errorf("QueryString(%s) = %q, want %q", tt.q, got, tt.want)
		}
	}
	want := [][]string{{"0", "x"}, {"1", "x"}}
	if got := Rows(t, conn, "SELECT toString(number), 'x' FROM numbers(2)"); !reflect.DeepEqual(got, want) {
		t.Errorf("Rows = %v, want %v", got, want)
	}
}
