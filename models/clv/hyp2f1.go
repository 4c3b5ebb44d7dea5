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

// log2F1 returns log 2F1(a, b; c; z), the logarithm of the Gauss
// hypergeometric function, for b > 0, 0 <= z < 1 and a > 0, which is every
// case the BG/NBD expectations need (FHL 2005 eq. 9 and 10). c may be any
// value that is not a non-positive integer (c = a+b-1 can be below 1 for x =
// 0). ok is false when the value cannot be computed: the function is not
// positive (cannot happen for the BG/NBD arguments) or the series did not
// converge within seriesMaxTerms.
//
// Small parameters with z <= 0.75 use gonum's mathext.Hypergeo. Otherwise
// the Gauss series sum_k (a)_k (b)_k / ((c)_k k!) z^k is summed with the
// terms and the running sum rescaled as they grow, so neither the terms
// (which grow like exp(a) for large a before they fall) nor the sum
// overflow. Once k > -c every term is positive, so there is no cancellation
// beyond the first few terms.
func log2F1(a, b, c, z float64) (v float64, ok bool) {
	if z == 0 {
		return 0, true
	}
	if !(a > 0 && b > 0 && z > 0 && z < 1) || (c <= 0 && c == math.Floor(c)) {
		return math.NaN(), false
	}
	if a <= gonumMaxParam && b <= gonumMaxParam && math.Abs(c) <= gonumMaxParam && c > 0 && z <= gonumMaxZ {
		h := mathext.Hypergeo(a, b, c, z)
		if h > 0 && !math.IsInf(h, 0) {
			return math.Log(h), true
		}
	}
	return log2F1Series(a, b, c, z)
}

// log2F1Series sums the Gauss series; see log2F1. Terms are built by
// their ratios in floating point and, together with the running sum,
// rescaled by a power of e whenever they grow past 1e200, so the value is
// sum * exp(off) without overflow.
func log2F1Series(a, b, c, z float64) (float64, bool) {
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
			if sum <= 0 {
				return math.NaN(), false
			}
			return math.Log(sum) + off, true
		}
	}
	return math.NaN(), false
}
