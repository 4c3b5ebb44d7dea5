package randid

import (
	"regexp"
	"testing"
)

func TestHex(t *testing.T) {
	a, b := Hex(4), Hex(4)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(a) || a == b {
		t.Errorf("Hex(4) = %q, %q: want 8 hex digits, different each call", a, b)
	}
}
