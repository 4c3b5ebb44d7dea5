package datagen

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ExpectedRepeats is the BG/NBD expected number of repeat purchases in
// the first t weeks after the first purchase (Fader, Hardie and Lee 2005,
// eq. 9):
//
//	E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; t/(alpha+t))]
//
// The formula is singular at a = 1, where the value is continuous; there
// for |a-1| < 1e-6 it returns the mean of the values at a = 1 +- 1e-4,
// accurate to O(1e-8).
func ExpectedRepeats(p BGNBD, t float64) float64 {
	if t <= 0 {
		return 0
	}
	if math.Abs(p.A-1) < 1e-6 {
		lo, hi := p, p
		lo.A, hi.A = 1-1e-4, 1+1e-4
		return (ExpectedRepeats(lo, t) + ExpectedRepeats(hi, t)) / 2
	}
	a, b, r, alpha := p.A, p.B, p.R, p.Alpha
	z := t / (alpha + t)
	return (a + b - 1) / (a - 1) * (1 - math.Pow(alpha/(alpha+t), r)*mathext.Hypergeo(r, b, a+b-1, z))
}

// ProbNoRepeat is the BG/NBD probability of no repeat purchase in the
// first t weeks after the first purchase, (alpha/(alpha+t))^r: a member
// can only drop out after a repeat purchase, so it is the chance that a
// Poisson(lambda*t) count is zero with lambda ~ Gamma(r, alpha).
func ProbNoRepeat(p BGNBD, t float64) float64 {
	if t <= 0 {
		return 1
	}
	return math.Pow(p.Alpha/(p.Alpha+t), p.R)
}

// OrderValueSD is the population standard deviation of one paid order's
// amount under the Gamma-Gamma model (finite for Q > 2, else +Inf): with
// 1/nu inverse-gamma, Var = p*v^2/((q-1)(q-2)) + p^2*v^2/((q-1)^2 (q-2)).
func OrderValueSD(g GammaGamma) float64 {
	if g.Q <= 2 {
		return math.Inf(1)
	}
	q1, q2 := g.Q-1, g.Q-2
	return math.Sqrt(g.P*g.V*g.V/(q1*q2) + g.P*g.P*g.V*g.V/(q1*q1*q2))
}
