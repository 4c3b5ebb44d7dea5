package clv

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Limits of the two evaluation paths of log2F1.
const (
	// gonumMaxParam and gonumMaxZ bound the region where mathext.Hypergeo
	// is used: small parameters and z away from 1, where its power series
	// converges quickly and it agrees with a 256-bit series (tested).
	gonumMaxParam = 20
	gonumMaxZ     = 0.75
	// seriesMaxTerms caps the log-space series. The number of terms needed
	// grows like max(a, b) * z / (1 - z); for BG/NBD with z = t/(alpha+T+t)
	// that is about the horizon in time units, far below the cap.
	seriesMaxTerms = 20_000_000
)

// log2F1 returns log |2F1(a, b; c; z)| and the sign of 2F1, the Gauss
// hypergeometric function, for b > 0, 0 <= z < 1 and a > 0, which is every
// case the BG/NBD expectations need (FHL 2005 eq. 9 and 10). c may be any
// value that is not a non-positive integer: c = a+b-1 is below 1 for x = 0
// and negative when the fitted a + b < 1, and then 2F1 itself can be
// negative (its first term is negative and the later ones share its sign),
// which is why the sign is returned: a fit with r = 0.19, a = 0.35,
// b = 0.53 gave 2F1 < 0 for one-time buyers and, when only the positive
// case was handled, a NaN expectation. ok is false when the series did not
// converge within seriesMaxTerms or 2F1 is exactly 0.
//
// Small parameters with 0 < c and z <= 0.75 use gonum's mathext.Hypergeo.
// Otherwise the Gauss series sum_k (a)_k (b)_k / ((c)_k k!) z^k is summed
// with the terms and the running sum rescaled as they grow, so neither the
// terms (which grow like exp(a) for large a before they fall) nor the sum
// overflow. Once k > -c every term has one sign, so there is no
// cancellation beyond the first few terms except against the leading 1
// when c < 0.
func log2F1(a, b, c, z float64) (v, sign float64, ok bool) {
	if z == 0 {
		return 0, 1, true
	}
	if !(a > 0 && b > 0 && z > 0 && z < 1) || (c <= 0 && c == math.Floor(c)) {
		return math.NaN(), 0, false
	}
	if a <= gonumMaxParam && b <= gonumMaxParam && math.Abs(c) <= gonumMaxParam && c > 0 && z <= gonumMaxZ {
		// With a, b, c, z > 0 every term is positive.
		h := mathext.Hypergeo(a, b, c, z)
		if h > 0 && !math.IsInf(h, 0) {
			return math.Log(h), 1, true
		}
	}
	return log2F1Series(a, b, c, z)
}

// log2F1Series sums the Gauss series; see log2F1. Terms are built by
// their ratios in floating point and, together with the running sum,
// rescaled by a power of e whenever they grow past 1e200, so the value is
// sum * exp(off) without overflow.
func log2F1Series(a, b, c, z float64) (v, sign float64, ok bool) {
	sum, term, off := 1.0, 1.0, 0.0
	for k := 0; k < seriesMaxTerms; k++ {
		fk := float64(k)
		num := (a + fk) * (b + fk)
		den := (c + fk) * (fk + 1)
		if num == 0 {
			break // the series terminates
		}
		ratio := num / den * z
		term *= ratio
		if at := math.Abs(term); at > 1e200 {
			sum /= at
			term /= at
			off += math.Log(at)
		}
		sum += term
		// Converged when the term is negligible and all later terms share
		// a sign and fall: the ratios tend to z, so r = max(ratio, z)
		// bounds the later ones and term*r/(1-r) bounds the tail.
		r := math.Max(math.Abs(ratio), z)
		if c+fk > 0 && r < 1 && math.Abs(term) <= 1e-17*math.Abs(sum)*(1-r) {
			if sum == 0 {
				return math.Inf(-1), 0, false
			}
			return math.Log(math.Abs(sum)) + off, math.Copysign(1, sum), true
		}
	}
	return math.NaN(), 0, false
}
