package uplift

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Level is the confidence level of every interval.
const Level = 0.95

// zCrit is the standard normal quantile of (1+Level)/2, about 1.96.
var zCrit = distuv.UnitNormal.Quantile((1 + Level) / 2)

// Interval is a confidence interval [Lo, Hi].
type Interval struct{ Lo, Hi float64 }

// Contains reports whether x is in the interval.
func (i Interval) Contains(x float64) bool { return x >= i.Lo && x <= i.Hi }

// ProportionDiff compares the proportions X1/N1 (treatment) and X2/N2
// (control).
type ProportionDiff struct {
	X1, N1, X2, N2 int64
	P1, P2         float64
	// Diff is P1 - P2.
	Diff float64
	// SE is the unpooled standard error sqrt(P1(1-P1)/N1 + P2(1-P2)/N2)
	// and CI is Diff -+ z SE, the Wald interval at Level.
	SE float64
	CI Interval
	// PooledSE uses the pooled proportion (X1+X2)/(N1+N2) for both
	// groups, as the null hypothesis of no difference says; Z is
	// Diff / PooledSE and P its two-sided p-value from the standard
	// normal. When both groups are all 0 or all 1 (PooledSE 0) Z is 0 and
	// P is 1.
	PooledSE float64
	Z, P     float64
}

// DiffProportions runs the two-proportion z-test of x1 successes in n1
// trials against x2 in n2. It fails on empty groups and on counts outside
// [0, n].
func DiffProportions(x1, n1, x2, n2 int64) (ProportionDiff, error) {
	if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return ProportionDiff{}, fmt.Errorf("%w: difference in proportions: want 0 <= x <= n and n > 0, got %d/%d and %d/%d", ErrInvalidInput, x1, n1, x2, n2)
	}
	r := ProportionDiff{X1: x1, N1: n1, X2: x2, N2: n2}
	f1, f2 := float64(n1), float64(n2)
	r.P1, r.P2 = float64(x1)/f1, float64(x2)/f2
	r.Diff = r.P1 - r.P2
	r.SE = math.Sqrt(r.P1*(1-r.P1)/f1 + r.P2*(1-r.P2)/f2)
	r.CI = Interval{r.Diff - zCrit*r.SE, r.Diff + zCrit*r.SE}
	p := float64(x1+x2) / (f1 + f2)
	r.PooledSE = math.Sqrt(p * (1 - p) * (1/f1 + 1/f2))
	r.Z, r.P = 0, 1
	if r.PooledSE > 0 {
		r.Z = r.Diff / r.PooledSE
		r.P = 2 * distuv.UnitNormal.Survival(math.Abs(r.Z))
	}
	return r, nil
}

// MeansDiff compares the means of two samples (treatment, control).
type MeansDiff struct {
	N1, N2       int
	Mean1, Mean2 float64
	// SD1 and SD2 are the sample standard deviations (n-1 denominator).
	SD1, SD2 float64
	// Diff is Mean1 - Mean2, SE sqrt(SD1²/N1 + SD2²/N2).
	Diff, SE float64
	// DF is the Welch-Satterthwaite degrees of freedom, T = Diff/SE and
	// P its two-sided p-value from Student's t with DF degrees of freedom.
	DF, T, P float64
	// CI is Diff -+ t(DF) SE at Level.
	CI Interval
}

// Welch runs Welch's unequal-variances t-test of sample a (treatment)
// against b (control). Each needs at least two values, and they may not
// both be constant.
func Welch(a, b []float64) (MeansDiff, error) {
	if len(a) < 2 || len(b) < 2 {
		return MeansDiff{}, fmt.Errorf("%w: welch test: want at least 2 values per group, got %d and %d", ErrInvalidInput, len(a), len(b))
	}
	m1, sd1 := stat.MeanStdDev(a, nil)
	m2, sd2 := stat.MeanStdDev(b, nil)
	return WelchSummary(m1, sd1, len(a), m2, sd2, len(b))
}

// WelchSummary is Welch from each group's mean, sample standard deviation
// and size (as published summaries give them).
func WelchSummary(mean1, sd1 float64, n1 int, mean2, sd2 float64, n2 int) (MeansDiff, error) {
	if n1 < 2 || n2 < 2 {
		return MeansDiff{}, fmt.Errorf("%w: welch test: want at least 2 values per group, got %d and %d", ErrInvalidInput, n1, n2)
	}
	for _, x := range []float64{mean1, sd1, mean2, sd2} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return MeansDiff{}, fmt.Errorf("%w: welch test: means and standard deviations must be finite", ErrInvalidInput)
		}
	}
	if sd1 < 0 || sd2 < 0 {
		return MeansDiff{}, fmt.Errorf("%w: welch test: negative standard deviation", ErrInvalidInput)
	}
	v1, v2 := sd1*sd1/float64(n1), sd2*sd2/float64(n2)
	if v1+v2 == 0 {
		return MeansDiff{}, fmt.Errorf("%w: welch test: both groups are constant, the test is undefined", ErrInvalidInput)
	}
	r := MeansDiff{N1: n1, N2: n2, Mean1: mean1, Mean2: mean2, SD1: sd1, SD2: sd2}
	r.Diff = mean1 - mean2
	r.SE = math.Sqrt(v1 + v2)
	r.DF = (v1 + v2) * (v1 + v2) / (v1*v1/float64(n1-1) + v2*v2/float64(n2-1))
	r.T = r.Diff / r.SE
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: r.DF}
	r.P = 2 * t.Survival(math.Abs(r.T))
	q := t.Quantile((1 + Level) / 2)
	r.CI = Interval{r.Diff - q*r.SE, r.Diff + q*r.SE}
	return r, nil
}

// SRMThreshold is the p-value below which SampleRatioMismatch flags a
// mismatch: a split this unlikely under the intended shares points at a
// broken assignment or lost rows, and the effect estimates are suspect.
const SRMThreshold = 0.001

// SRM is the sample ratio mismatch test of group sizes.
type SRM struct {
	Observed []int64
	// Expected are the sizes the intended shares give for the total.
	Expected []float64
	ChiSq    float64
	DF       int
	P        float64
	// Mismatch is P < SRMThreshold.
	Mismatch bool
}

// SampleRatioMismatch runs Pearson's chi-square goodness-of-fit test of
// the observed group sizes against the intended shares (any positive
// weights, normalised; {0.9, 0.1} for a 90/10 split).
func SampleRatioMismatch(observed []int64, intended []float64) (SRM, error) {
	if len(observed) < 2 || len(observed) != len(intended) {
		return SRM{}, fmt.Errorf("%w: sample ratio mismatch: want one intended share per group and at least 2 groups, got %d groups and %d shares", ErrInvalidInput, len(observed), len(intended))
	}
	var total int64
	var wsum float64
	for i, o := range observed {
		if o < 0 {
			return SRM{}, fmt.Errorf("%w: sample ratio mismatch: group %d has a negative size %d", ErrInvalidInput, i+1, o)
		}
		if !(intended[i] > 0) || math.IsInf(intended[i], 0) {
			return SRM{}, fmt.Errorf("%w: sample ratio mismatch: intended share %d must be > 0, got %v", ErrInvalidInput, i+1, intended[i])
		}
		total += o
		wsum += intended[i]
	}
	if total == 0 {
		return SRM{}, fmt.Errorf("%w: sample ratio mismatch: no members in any group", ErrInvalidInput)
	}
	r := SRM{Observed: append([]int64(nil), observed...), Expected: make([]float64, len(observed)), DF: len(observed) - 1}
	for i, o := range observed {
		e := float64(total) * intended[i] / wsum
		r.Expected[i] = e
		d := float64(o) - e
		r.ChiSq += d * d / e
	}
	r.P = distuv.ChiSquared{K: float64(r.DF)}.Survival(r.ChiSq)
	r.Mismatch = r.P < SRMThreshold
	return r, nil
}
