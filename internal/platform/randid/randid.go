// Package randid makes the random part of names that must not collide:
// run ids, work table and test database names, staging folders and load
// attempts. It is the one place such suffixes come from.
package randid

import (
	"crypto/rand"
	"encoding/hex"
)

// Hex returns n random bytes as 2n lower-case hex digits.
func Hex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms (crypto/rand)
	return hex.EncodeToString(b)
}
