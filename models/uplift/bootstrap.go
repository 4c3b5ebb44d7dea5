package uplift

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Bootstrap is a percentile bootstrap interval of a difference
// (treatment minus control).
type Bootstrap struct {
	// Estimate is the difference on the data itself.
	Estimate float64
	// CI holds the (1-Level)/2 and (1+Level)/2 empirical quantiles of the
	// Reps resampled differences.
	CI   Interval
	Reps int
}

// minReps is the fewest resamples a percentile interval is built from.
const minReps = 100

// BootstrapMeans resamples each group with replacement reps times (a
// non-parametric bootstrap, groups resampled independently) and returns
// the percentile interval of the difference of the means. The same seed
// gives the same interval. It costs reps*(len(a)+len(b)) draws.
func BootstrapMeans(a, b []float64, reps int, seed uint64) (Bootstrap, error) {
	if len(a) == 0 || len(b) == 0 {
		return Bootstrap{}, fmt.Errorf("%w: bootstrap: empty group (%d and %d values)", ErrInvalidInput, len(a), len(b))
	}
	if reps < minReps {
		return Bootstrap{}, fmt.Errorf("%w: bootstrap: want at least %d resamples, got %d", ErrInvalidInput, minReps, reps)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	mean := func(x []float64) float64 {
		var s float64
		for range x {
			s += x[rng.IntN(len(x))]
		}
		return s / float64(len(x))
	}
	diffs := make([]float64, reps)
	for i := range diffs {
		diffs[i] = mean(a) - mean(b)
	}
	return percentile(stat.Mean(a, nil)-stat.Mean(b, nil), diffs), nil
}

// BootstrapProportions is BootstrapMeans for 0/1 outcomes given as
// counts: resampling n outcomes of which x are 1 draws Binomial(n, x/n)
// ones, so it costs reps draws whatever the group sizes.
func BootstrapProportions(x1, n1, x2, n2 int64, reps int, seed uint64) (Bootstrap, error) {
	if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return Bootstrap{}, fmt.Errorf("%w: bootstrap: want 0 <= x <= n and n > 0, got %d/%d and %d/%d", ErrInvalidInput, x1, n1, x2, n2)
	}
	if reps < minReps {
		return Bootstrap{}, fmt.Errorf("%w: bootstrap: want at least %d resamples, got %d", ErrInvalidInput, minReps, reps)
	}
	src := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	b1 := distuv.Binomial{N: float64(n1), P: p1, Src: src}
	b2 := distuv.Binomial{N: float64(n2), P: p2, Src: src}
	diffs := make([]float64, reps)
	for i := range diffs {
		diffs[i] = b1.Rand()/float64(n1) - b2.Rand()/float64(n2)
	}
	return percentile(p1-p2, diffs), nil
}

func percentile(estimate float64, diffs []float64) Bootstrap {
	slices.Sort(diffs)
	return Bootstrap{
		Estimate: estimate,
		CI: Interval{
			Lo: stat.Quantile((1-Level)/2, stat.Empirical, diffs, nil),
			Hi: stat.Quantile((1+Level)/2, stat.Empirical, diffs, nil),
		},
		Reps: len(diffs),
	}
}
