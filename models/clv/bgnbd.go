package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Customer is one distinct (x, t_x, T) tuple of the BG/NBD model with the
// number of customers who share it. Times are in model time units.
type Customer struct {
	// X is the frequency: the number of repeat purchases (purchase days
	// minus one), X >= 0.
	X int
	// TX is the recency: time from the first to the last purchase,
	// 0 <= TX <= T, and TX == 0 when X == 0.
	TX float64
	// T is the age: time from the first purchase to the end of
	// observation, T >= 0. A customer whose first purchase is on the last
	// day (T = 0) carries no information for the fit (log L = 0) and is
	// scored like a new customer.
	T float64
	// Count is how many customers have this tuple (the likelihood weight),
	// Count >= 1.
	Count int64
}

// validate reports whether c is in the BG/NBD domain; i names the row.
func (c Customer) validate(i int) error {
	switch {
	case c.X < 0:
		return fmt.Errorf("customer row %d: frequency x = %d is negative: %w", i, c.X, ErrInvalidData)
	case !(c.T >= 0) || math.IsInf(c.T, 0):
		return fmt.Errorf("customer row %d: age T = %g must be finite and >= 0: %w", i, c.T, ErrInvalidData)
	case !(c.TX >= 0 && c.TX <= c.T):
		return fmt.Errorf("customer row %d: recency t_x = %g outside [0, T = %g]: %w", i, c.TX, c.T, ErrInvalidData)
	case c.X == 0 && c.TX != 0:
		return fmt.Errorf("customer row %d: recency t_x = %g with no repeat purchase: %w", i, c.TX, ErrInvalidData)
	case c.Count < 1:
		return fmt.Errorf("customer row %d: count = %d must be at least 1: %w", i, c.Count, ErrInvalidData)
	}
	return nil
}

// BGNBDParams are the four BG/NBD parameters of FHL 2005: purchase rates
// lambda ~ Gamma(shape R, rate Alpha) per time unit while alive, and the
// dropout probability after each repeat purchase p ~ Beta(A, B). All four
// are positive. A zero value is not a valid model.
type BGNBDParams struct {
	R, Alpha, A, B float64
}

// Validate returns an error wrapping ErrInvalidParams unless all four
// parameters are positive and finite.
func (m BGNBDParams) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"r", m.R}, {"alpha", m.Alpha}, {"a", m.A}, {"b", m.B}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("bg/nbd parameter %s = %g must be positive and finite: %w", p.name, p.v, ErrInvalidParams)
		}
	}
	return nil
}

// LogLikelihood returns log L(r, alpha, a, b | x, t_x, T) for one customer,
// FHL 2005 eq. (6):
//
//	L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
//	    * [ (alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x) ].
//
// The bracket is evaluated as a log-sum-exp of its two terms and the
// Gamma and Beta functions through math.Lgamma, so the result stays finite
// for very large x and T. Inputs outside the domain give NaN.
func (m BGNBDParams) LogLikelihood(x int, tx, T float64) float64 {
	if m.Validate() != nil || (Customer{X: x, TX: tx, T: T, Count: 1}).validate(0) != nil {
		return math.NaN()
	}
	var g [4]float64
	k := newXTerms(m, float64(x), false)
	return k.ll(m, float64(x), tx, T, &g, false)
}

// TotalLogLikelihood returns sum_i Count_i * LogLikelihood(x_i, t_x_i, T_i).
func (m BGNBDParams) TotalLogLikelihood(data []Customer) float64 {
	s := 0.0
	for _, c := range data {
		s += float64(c.Count) * m.LogLikelihood(c.X, c.TX, c.T)
	}
	return s
}

// xTerms holds the parts of the log-likelihood and its gradient that depend
// on the parameters and x only, so a fit computes them once per distinct x.
type xTerms struct {
	k    float64    // log[Gamma(r+x) alpha^r / Gamma(r) * B(a,b+x)/B(a,b)]
	dk   [4]float64 // d k / d(r, alpha, a, b)
	logA float64    // log a - log(b+x-1), for x > 0
}

func digamma(x float64) float64 { return mathext.Digamma(x) }

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func newXTerms(m BGNBDParams, x float64, withGrad bool) xTerms {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	t := xTerms{
		k: lgamma(r+x) - lgamma(r) + r*math.Log(al) +
			lgamma(b+x) + lgamma(a+b) - lgamma(b) - lgamma(a+b+x),
	}
	if x > 0 {
		t.logA = math.Log(a) - math.Log(b+x-1)
	}
	if withGrad {
		dab, dabx := digamma(a+b), digamma(a+b+x)
		t.dk = [4]float64{
			digamma(r+x) - digamma(r) + math.Log(al),
			r / al,
			dab - dabx,
			digamma(b+x) + dab - digamma(b) - dabx,
		}
	}
	return t
}

// ll returns the log-likelihood of one tuple and, if withGrad, adds its
// gradient with respect to (r, alpha, a, b) to g.
func (t xTerms) ll(m BGNBDParams, x, tx, T float64, g *[4]float64, withGrad bool) float64 {
	rx := m.R + x
	l1 := math.Log(m.Alpha + T)
	u1 := -rx * l1
	if x == 0 {
		if withGrad {
			g[0] += t.dk[0] - l1
			g[1] += t.dk[1] - rx/(m.Alpha+T)
			g[2] += t.dk[2]
			g[3] += t.dk[3]
		}
		return t.k + u1
	}
	l2 := math.Log(m.Alpha + tx)
	u2 := t.logA - rx*l2
	// log(e^u1 + e^u2) and the weights w1 + w2 = 1 of the two terms.
	hi, lo := u1, u2
	if lo > hi {
		hi, lo = lo, hi
	}
	lse := hi + math.Log1p(math.Exp(lo-hi))
	if withGrad {
		w1 := math.Exp(u1 - lse)
		w2 := math.Exp(u2 - lse)
		g[0] += t.dk[0] - (w1*l1 + w2*l2)
		g[1] += t.dk[1] - rx*(w1/(m.Alpha+T)+w2/(m.Alpha+tx))
		g[2] += t.dk[2] + w2/m.A
		g[3] += t.dk[3] - w2/(m.B+x-1)
	}
	return t.k + lse
}

// ProbAlive returns P(alive at T | x, t_x, T), FHL 2008:
//
//	P = 1 / (1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
//
// evaluated as a logistic function of the log-odds so that it neither
// overflows nor loses precision. It is 1 for x = 0 (the model lets
// customers drop out only after a repeat purchase). NaN for invalid input.
func (m BGNBDParams) ProbAlive(x int, tx, T float64) float64 {
	if m.Validate() != nil || (Customer{X: x, TX: tx, T: T, Count: 1}).validate(0) != nil {
		return math.NaN()
	}
	if x == 0 {
		return 1
	}
	return 1 / (1 + math.Exp(m.logOddsDead(float64(x), tx, T)))
}

// logOddsDead is log[P(dead)/P(alive)] for x > 0.
func (m BGNBDParams) logOddsDead(x, tx, T float64) float64 {
	return math.Log(m.A) - math.Log(m.B+x-1) +
		(m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat
// purchases in (0, t] of a customer who made a first purchase at time 0,
// FHL 2005 eq. (9):
//
//	E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].
//
// NaN for t < 0 or invalid parameters.
func (m BGNBDParams) ExpectedPurchases(t float64) float64 {
	if m.Validate() != nil || !(t >= 0) {
		return math.NaN()
	}
	return m.alivePurchases(0, 0, t)
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], the expected
// number of purchases in (T, T+t] of a customer with history (x, t_x, T),
// FHL 2005 eq. (10):
//
//	E = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
//	        2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] * P(alive | x, t_x, T).
//
// The 2F1 and the power are combined in log-space and 1 - G is taken with
// expm1, so the value stays finite and accurate for large x and T. At
// a = 1 the closed form is 0/0; the function is smooth in a there, so it
// is evaluated as the mean at a = 1 +- 1e-6. For x = 0 and a + b = 1
// exactly, c = a+b-1 = 0 is a pole of 2F1 cancelled by the factor c, and
// the limit is used (see alivePurchasesAt). When a + b < 1, 2F1 is
// negative for x = 0 and 1 - G above 1. NaN for invalid input or, in
// the unreachable-in-practice case t >> (alpha+T) * 1e7/(r+x), when the
// series does not converge.
func (m BGNBDParams) ConditionalExpectedPurchases(t float64, x int, tx, T float64) float64 {
	if m.Validate() != nil || (Customer{X: x, TX: tx, T: T, Count: 1}).validate(0) != nil || !(t >= 0) {
		return math.NaN()
	}
	return m.alivePurchases(float64(x), T, t) * m.ProbAlive(x, tx, T)
}

// alivePurchases is E[Y(t) | alive at T, x]: the first two factors of
// eq. (10) (with x = T = 0 it is eq. 9).
func (m BGNBDParams) alivePurchases(x, T, t float64) float64 {
	if t == 0 {
		return 0
	}
	const aEps = 1e-6
	if math.Abs(m.A-1) < aEps {
		return (m.alivePurchasesAt(1-aEps, x, T, t) + m.alivePurchasesAt(1+aEps, x, T, t)) / 2
	}
	return m.alivePurchasesAt(m.A, x, T, t)
}

// alivePurchasesAt evaluates the closed form with a in place of m.A.
func (m BGNBDParams) alivePurchasesAt(a, x, T, t float64) float64 {
	b, r := m.B, m.R
	s := m.Alpha + T
	z := t / (s + t)
	if a+b+x-1 == 0 {
		// Only for x = 0 and a + b = 1: 2F1(r, b; c; z) has a pole at
		// c = 0 that the factor c = a+b-1 cancels, since
		// c 2F1(r, b; c; z) -> r b z 2F1(r+1, b+1; 2; z) as c -> 0, so
		// E = r b z / (1-a) (s/(s+t))^r 2F1(r+1, b+1; 2; z). Any other c
		// is evaluated directly: c 2F1 stays accurate as c approaches 0.
		lf, _, ok := log2F1(r+1, b+1, 2, z)
		if !ok {
			return math.NaN()
		}
		return r * b * z / (1 - a) * math.Exp(-r*math.Log1p(t/s)+lf)
	}
	lf, sign, ok := log2F1(r+x, b+x, a+b+x-1, z)
	if !ok {
		return math.NaN()
	}
	// G = sign * exp(logG); 1 - G without cancellation when G > 0.
	logG := -(r+x)*math.Log1p(t/s) + lf
	oneMinusG := -math.Expm1(logG)
	if sign < 0 {
		oneMinusG = 1 + math.Exp(logG)
	}
	return (a + b + x - 1) / (a - 1) * oneMinusG
}
