package tiers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDiffInDiffWorked checks a hand-worked case: treated changes
// {1, 2, 3, 4} (mean 2.5, variance 5/3), control {0, 1} (mean 0.5,
// variance 0.5). Estimate 2; SE sqrt(5/12 + 1/4) = sqrt(2/3); Welch df
// (2/3)^2 / ((5/12)^2/3 + (1/4)^2/1) = 3.6923; t(0.975, 3.6923) = 2.870117
// (integrating the t density numerically).
func TestDiffInDiffWorked(t *testing.T) {
	t.Parallel()
	d, ok := diffInDiff(statsOf([]float64{1, 2, 3, 4}), statsOf([]float64{0, 1}))
	if !ok {
		t.Fatal("not ok")
	}
	se := math.Sqrt(2.0 / 3)
	df := (4.0 / 9) / (25.0/144/3 + 1.0/16)
	if math.Abs(d.Estimate-2) > 1e-12 || math.Abs(d.SE-se) > 1e-12 || math.Abs(d.DF-df) > 1e-9 || d.Treated != 4 || d.Control != 2 {
		t.Errorf("got %+v, want estimate 2, se %g, df %g", d, se, df)
	}
	if q := (d.High - d.Estimate) / d.SE; math.Abs(q-2.870117) > 1e-6 || math.Abs(d.Estimate-d.Low-(d.High-d.Estimate)) > 1e-12 {
		t.Errorf("interval [%g, %g]: t quantile %g, want 2.870117, symmetric", d.Low, d.High, q)
	}
}

func TestDiffInDiffEdges(t *testing.T) {
	t.Parallel()
	if _, ok := diffInDiff(statsOf([]float64{1}), statsOf([]float64{0, 1})); ok {
		t.Error("one treated member: want not ok")
	}
	if _, ok := diffInDiff(statsOf([]float64{1, 2}), statsOf(nil)); ok {
		t.Error("no control member: want not ok")
	}
	d, ok := diffInDiff(statsOf([]float64{3, 3}), statsOf([]float64{1, 1, 1}))
	if !ok || d.Estimate != 2 || d.Low != 2 || d.High != 2 || d.SE != 0 {
		t.Errorf("no variance: %+v, %v", d, ok)
	}
}

// TestDiffInDiffRecovery simulates members whose change is normal with sd
// 3 (treated) and 2 (control) around a common trend of 1, the treated
// gaining an effect of 2.5; over 400 replications of 60 treated and 90
// control members the mean estimate recovers the effect and the 95%
// interval covers it in 92-98% of replications.
func TestDiffInDiffRecovery(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(18, 2))
	const reps, effect = 400, 2.5
	var sum float64
	covered := 0
	for range reps {
		tr, co := make([]float64, 60), make([]float64, 90)
		for i := range tr {
			tr[i] = 1 + effect + 3*rng.NormFloat64()
		}
		for i := range co {
			co[i] = 1 + 2*rng.NormFloat64()
		}
		d, ok := diffInDiff(statsOf(tr), statsOf(co))
		if !ok {
			t.Fatal("not ok")
		}
		sum += d.Estimate
		if d.Low <= effect && effect <= d.High {
			covered++
		}
	}
	// The mean of 400 estimates has sd about sqrt(9/60 + 4/90)/20 = 0.022.
	if m := sum / reps; math.Abs(m-effect) > 0.1 {
		t.Errorf("mean estimate %.3f, want %.1f", m, effect)
	}
	if c := float64(covered) / reps; c < 0.92 || c > 0.98 {
		t.Errorf("95%% interval covered the effect in %.3f of replications", c)
	}
}
