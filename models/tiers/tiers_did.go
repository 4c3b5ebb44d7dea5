package tiers

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// groupStats summarises one group's per-member changes (after - before):
// count, mean and sample variance.
type groupStats struct{ N, Mean, Var float64 }

// statsOf returns the groupStats of xs.
func statsOf(xs []float64) groupStats {
	g := groupStats{N: float64(len(xs))}
	for _, x := range xs {
		g.Mean += x
	}
	if g.N == 0 {
		return g
	}
	g.Mean /= g.N
	for _, x := range xs {
		g.Var += (x - g.Mean) * (x - g.Mean)
	}
	if g.N > 1 {
		g.Var /= g.N - 1
	}
	return g
}

// didEstimate is a difference-in-differences estimate with its Welch
// standard error, degrees of freedom and 95% confidence interval.
type didEstimate struct {
	Estimate, SE, DF, Low, High float64
	Treated, Control            float64
}

// diffInDiff compares the mean change of the treated group with that of
// the control group: estimate = mean(treated) - mean(control), standard
// error sqrt(var_t/n_t + var_c/n_c), Welch-Satterthwaite degrees of
// freedom and a 95% Student t interval. ok is false when either group has
// fewer than 2 members (no variance to estimate). With both variances
// zero the interval is the point.
func diffInDiff(treated, control groupStats) (d didEstimate, ok bool) {
	d = didEstimate{Treated: treated.N, Control: control.N, Estimate: treated.Mean - control.Mean}
	if treated.N < 2 || control.N < 2 {
		return d, false
	}
	vt, vc := treated.Var/treated.N, control.Var/control.N
	d.SE = math.Sqrt(vt + vc)
	if d.SE == 0 {
		d.Low, d.High, d.DF = d.Estimate, d.Estimate, treated.N+control.N-2
		return d, true
	}
	d.DF = (vt + vc) * (vt + vc) / (vt*vt/(treated.N-1) + vc*vc/(control.N-1))
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.DF}.Quantile(0.975)
	d.Low, d.High = d.Estimate-q*d.SE, d.Estimate+q*d.SE
	return d, true
}
