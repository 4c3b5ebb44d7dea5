package uplift

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// near fails unless got is within tol of want.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g +- %g", what, got, want, tol)
	}
}

// TestDiffProportionsWorkedExamples checks the two-proportion z-test
// against published examples. Four-decimal references were worked from
// the formulas at 30 digits with mpmath (pooled SE for z, unpooled for
// the interval, 1.959964 for 95%).
func TestDiffProportionsWorkedExamples(t *testing.T) {
	// OpenIntro Statistics, 4th ed. (Diez, Çetinkaya-Rundel, Barr), §6.2.3,
	// the mammogram study: 500 of 44,425 died in the mammogram group, 505
	// of 44,405 in the control group; the book gives pooled p = 0.0113,
	// z = -0.17 and p-value 0.87.
	r, err := DiffProportions(500, 44425, 505, 44405)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mammogram z", r.Z, -0.1658, 5e-5)
	near(t, "mammogram p", r.P, 0.8683, 5e-5)
	near(t, "mammogram diff", r.Diff, -0.000117669, 5e-10)
	near(t, "mammogram unpooled SE", r.SE, 0.000709713, 5e-10)
	near(t, "mammogram CI low", r.CI.Lo, -0.0015087, 5e-8)
	near(t, "mammogram CI high", r.CI.Hi, 0.0012733, 5e-8)

	// 140 of 200 against 255 of 340 (a homework example worked by hand:
	// pooled p = 0.7315, SE 0.039494, z = -1.2660, two-sided p 0.2055).
	r, err = DiffProportions(140, 200, 255, 340)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "pooled SE", r.PooledSE, 0.0395, 5e-5)
	near(t, "z", r.Z, -1.2660, 5e-5)
	near(t, "p", r.P, 0.2055, 5e-5)
	near(t, "CI low", r.CI.Lo, -0.1284, 5e-5)
	near(t, "CI high", r.CI.Hi, 0.0284, 5e-5)

	// No variance at all: no evidence of a difference.
	if r, err := DiffProportions(0, 10, 0, 20); err != nil || r.Z != 0 || r.P != 1 || r.SE != 0 {
		t.Errorf("all zero: %+v, %v; want z 0, p 1, SE 0", r, err)
	}
}

// TestWelchWorkedExample checks Welch's test against the first example of
// Wikipedia's "Welch's t-test" article (A1 and A2 below: t = -2.46,
// df = 25.0, p = 0.021), to four decimals worked at 30 digits with
// mpmath (Student's t survival through the regularised incomplete beta;
// R's t.test(A1, A2) gives the same).
func TestWelchWorkedExample(t *testing.T) {
	a1 := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	a2 := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	r, err := Welch(a1, a2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "diff", r.Diff, -2.1667, 5e-5)
	near(t, "SE", r.SE, 0.8824, 5e-5)
	near(t, "df", r.DF, 24.9885, 5e-5)
	near(t, "t", r.T, -2.4554, 5e-5)
	near(t, "p", r.P, 0.0214, 5e-5)
	near(t, "CI low", r.CI.Lo, -3.9841, 5e-5)
	near(t, "CI high", r.CI.Hi, -0.3492, 5e-5)
}

// TestSampleRatioMismatch checks the chi-square test against Kohavi, Tang
// and Xu, Trustworthy Online Controlled Experiments (2020), chapter 21:
// 821,588 treatment and 815,482 control users of a 50/50 experiment give
// p = 1.8e-6, a mismatch (chi-square 22.7744 and p 1.8218e-6 to 4
// significant places, mpmath).
func TestSampleRatioMismatch(t *testing.T) {
	r, err := SampleRatioMismatch([]int64{821588, 815482}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "chi-square", r.ChiSq, 22.7744, 5e-5)
	near(t, "p", r.P, 1.8218e-6, 5e-10)
	if !r.Mismatch || r.DF != 1 {
		t.Errorf("%+v, want a mismatch with 1 degree of freedom", r)
	}
	for _, tt := range []struct {
		obs      []int64
		shares   []float64
		mismatch bool
	}{
		{[]int64{821, 179}, []float64{0.9, 0.1}, true}, // chi-square 69.34
		{[]int64{9012, 988}, []float64{0.9, 0.1}, false},
		{[]int64{50000, 50600}, []float64{1, 1}, false}, // p 0.0585
		{[]int64{300, 330, 370}, []float64{1, 1, 1}, false},
	} {
		r, err := SampleRatioMismatch(tt.obs, tt.shares)
		if err != nil || r.Mismatch != tt.mismatch {
			t.Errorf("%v against %v: %+v, %v; want mismatch %v", tt.obs, tt.shares, r, err, tt.mismatch)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	errs := map[string]error{}
	_, errs["proportions: empty group"] = DiffProportions(0, 0, 1, 2)
	_, errs["proportions: x above n"] = DiffProportions(3, 2, 1, 2)
	_, errs["proportions: negative x"] = DiffProportions(1, 2, -1, 2)
	_, errs["welch: one value"] = Welch([]float64{1}, []float64{1, 2})
	_, errs["welch: both constant"] = Welch([]float64{1, 1}, []float64{2, 2})
	_, errs["welch summary: negative sd"] = WelchSummary(1, -1, 5, 1, 1, 5)
	_, errs["welch summary: NaN mean"] = WelchSummary(math.NaN(), 1, 5, 1, 1, 5)
	_, errs["srm: one group"] = SampleRatioMismatch([]int64{5}, []float64{1})
	_, errs["srm: shares missing"] = SampleRatioMismatch([]int64{5, 5}, []float64{1})
	_, errs["srm: zero share"] = SampleRatioMismatch([]int64{5, 5}, []float64{1, 0})
	_, errs["srm: negative size"] = SampleRatioMismatch([]int64{5, -5}, []float64{1, 1})
	_, errs["srm: no members"] = SampleRatioMismatch([]int64{0, 0}, []float64{1, 1})
	_, errs["bootstrap means: empty"] = BootstrapMeans(nil, []float64{1}, 1000, 1)
	_, errs["bootstrap means: few reps"] = BootstrapMeans([]float64{1}, []float64{1}, 10, 1)
	_, errs["bootstrap proportions: bad counts"] = BootstrapProportions(3, 2, 1, 2, 1000, 1)
	_, errs["bootstrap proportions: few reps"] = BootstrapProportions(1, 2, 1, 2, 99, 1)
	for name, err := range errs {
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}

// TestBootstrap: a fixed seed gives the same interval, and with large
// groups the percentile intervals are close to the normal-theory ones.
func TestBootstrap(t *testing.T) {
	a, err := BootstrapProportions(1300, 10000, 1000, 10000, 2000, 7)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := BootstrapProportions(1300, 10000, 1000, 10000, 2000, 7); b != a {
		t.Errorf("same seed: %+v then %+v", a, b)
	}
	if c, _ := BootstrapProportions(1300, 10000, 1000, 10000, 2000, 8); c == a {
		t.Errorf("another seed gave the same interval %+v", c)
	}
	z, _ := DiffProportions(1300, 10000, 1000, 10000)
	near(t, "bootstrap estimate", a.Estimate, 0.03, 1e-12)
	near(t, "bootstrap proportions low", a.CI.Lo, z.CI.Lo, 0.1*z.SE)
	near(t, "bootstrap proportions high", a.CI.Hi, z.CI.Hi, 0.1*z.SE)

	// Means: exponential spend, treatment 10% higher.
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, 4000), make([]float64, 4000)
	for i := range x {
		x[i], y[i] = 110*rng.ExpFloat64(), 100*rng.ExpFloat64()
	}
	m, err := BootstrapMeans(x, y, 1000, 11)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := Welch(x, y)
	near(t, "bootstrap means estimate", m.Estimate, w.Diff, 1e-9)
	near(t, "bootstrap means low", m.CI.Lo, w.CI.Lo, 0.15*w.SE)
	near(t, "bootstrap means high", m.CI.Hi, w.CI.Hi, 0.15*w.SE)
	if m2, _ := BootstrapMeans(x, y, 1000, 11); m2 != m {
		t.Errorf("same seed: %+v then %+v", m, m2)
	}

	// Degenerate groups: every resample is the data.
	d, err := BootstrapProportions(0, 50, 50, 50, 200, 1)
	if err != nil || d.CI.Lo != -1 || d.CI.Hi != -1 {
		t.Errorf("0/50 against 50/50: %+v, %v; want the interval [-1, -1]", d, err)
	}
}

// TestSimulatedCampaigns draws 100 seeded campaigns of 3,000 treatment
// and 3,000 control members: with no effect (10% both) at most 10 are
// significant at 5% (5 expected), in the z-test, Welch's test on the 0/1
// outcomes and on spend; with a 3-point effect (13% against 10%) the 95%
// intervals hold it in at least 90.
func TestSimulatedCampaigns(t *testing.T) {
	const n, seeds = 3000, 100
	var falseZ, falseWelch, falseSpend, covered, coveredBoot int
	for seed := range uint64(seeds) {
		src := rand.NewPCG(seed, 99)
		rng := rand.New(src)
		draw := func(p float64) int64 { return int64(distuv.Binomial{N: n, P: p, Src: src}.Rand()) }

		x1, x2 := draw(0.10), draw(0.10)
		r, err := DiffProportions(x1, n, x2, n)
		if err != nil {
			t.Fatal(err)
		}
		if r.P < 0.05 {
			falseZ++
		}
		w, err := Welch(outcomes(x1, n), outcomes(x2, n))
		if err != nil {
			t.Fatal(err)
		}
		if w.P < 0.05 {
			falseWelch++
		}
		s1, s2 := make([]float64, 300), make([]float64, 300)
		for i := range s1 {
			s1[i], s2[i] = 300*rng.ExpFloat64(), 300*rng.ExpFloat64()
		}
		if w, _ := Welch(s1, s2); w.P < 0.05 {
			falseSpend++
		}

		x1, x2 = draw(0.13), draw(0.10)
		if r, _ := DiffProportions(x1, n, x2, n); r.CI.Contains(0.03) {
			covered++
		}
		if b, _ := BootstrapProportions(x1, n, x2, n, 500, seed); b.CI.Contains(0.03) {
			coveredBoot++
		}
	}
	for name, k := range map[string]int{"z-test": falseZ, "welch on conversions": falseWelch, "welch on spend": falseSpend} {
		if k > 10 {
			t.Errorf("no effect: %s significant at 5%% in %d of %d seeds, want at most 10", name, k, seeds)
		}
	}
	for name, k := range map[string]int{"wald interval": covered, "bootstrap interval": coveredBoot} {
		if k < 90 {
			t.Errorf("3-point effect: the %s holds it in %d of %d seeds, want at least 90", name, k, seeds)
		}
	}
}

// outcomes is x ones and n-x zeros.
func outcomes(x, n int64) []float64 {
	v := make([]float64, n)
	for i := range x {
		v[i] = 1
	}
	return v
}
