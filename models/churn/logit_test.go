package churn

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"gonum.org/v1/gonum/mat"
)

// simulate draws n rows of three features on different scales and labels
// from a logistic model with raw-scale coefficients b (b[0] intercept).
func simulate(rng *rand.Rand, n int, b []float64) ([][]float64, []bool) {
	x := make([][]float64, n)
	y := make([]bool, n)
	for i := range x {
		x[i] = []float64{5 + 2*rng.NormFloat64(), -1 + 0.5*rng.NormFloat64(), 100 + 30*rng.NormFloat64()}
		eta := b[0]
		for j, v := range x[i] {
			eta += b[j+1] * v
		}
		y[i] = rng.Float64() < 1/(1+math.Exp(-eta))
	}
	return x, y
}

var features = []string{"recency", "trend", "spend"}

// TestFitRecoversCoefficients fits rows simulated from a known logistic
// model. Tolerance: the MLE is asymptotically normal with covariance the
// inverse Fisher information (X'WX)^-1, W = diag(p_i (1-p_i)), computed here
// at the true coefficients independently of Fit; every raw coefficient
// must be within 4 of those standard errors. The penalty (1e-6) biases the
// estimates by far less than one standard error.
func TestFitRecoversCoefficients(t *testing.T) {
	truth := []float64{-3, 0.8, -1.5, 0.01} // intercept, recency, trend, spend
	rng := rand.New(rand.NewPCG(11, 12))
	x, y := simulate(rng, 20000, truth)
	m, err := Fit(features, x, y, Options{L2: 1e-6})
	if err != nil {
		t.Fatalf("fit: %v", err)
	}
	// Fisher information at the truth, raw scale, with intercept column.
	info := mat.NewSymDense(4, nil)
	for _, row := range x {
		v := append([]float64{1}, row...)
		eta := 0.0
		for j := range v {
			eta += truth[j] * v[j]
		}
		p := 1 / (1 + math.Exp(-eta))
		w := p * (1 - p)
		for a := 0; a < 4; a++ {
			for b := a; b < 4; b++ {
				info.SetSym(a, b, info.At(a, b)+w*v[a]*v[b])
			}
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(info) {
		t.Fatal("information matrix not positive definite")
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		t.Fatal(err)
	}
	b0, b := m.RawCoefficients()
	got := append([]float64{b0}, b...)
	for j := range truth {
		se := math.Sqrt(cov.At(j, j))
		if z := (got[j] - truth[j]) / se; !(math.Abs(z) <= 4) {
			t.Errorf("coefficient %d = %.5g, true %.5g (%.1f standard errors of %.3g)", j, got[j], truth[j], z, se)
		}
	}
	// Predict and RawCoefficients describe the same model.
	for _, row := range x[:20] {
		eta := b0
		for j, v := range row {
			eta += b[j] * v
		}
		if d := math.Abs(m.Logit(row) - eta); d > 1e-9 {
			t.Errorf("Logit = %g, raw coefficients give %g", m.Logit(row), eta)
		}
	}
}

// TestFitDeterministicAndPenalty: the same data give bit-identical models;
// a larger L2 shrinks the coefficients; a huge one sends them to 0 while
// the intercept, which is not penalised, goes to the log-odds of the base
// rate.
func TestFitDeterministicAndPenalty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := simulate(rng, 3000, []float64{-3, 0.8, -1.5, 0.01})
	a, err := Fit(features, x, y, Options{L2: DefaultL2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fit(features, x, y, Options{L2: DefaultL2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two fits differ: %+v vs %+v", a, b)
	}
	norm := func(m *Model) float64 {
		return math.Sqrt(m.Coef[0]*m.Coef[0] + m.Coef[1]*m.Coef[1] + m.Coef[2]*m.Coef[2])
	}
	c, err := Fit(features, x, y, Options{L2: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if !(norm(c) < norm(a)) {
		t.Errorf("L2 0.1 norm %g not below L2 1e-4 norm %g", norm(c), norm(a))
	}
	huge, err := Fit(features, x, y, Options{L2: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	rate := float64(pos) / float64(len(y))
	if norm(huge) > 1e-5 || !(math.Abs(huge.Intercept-math.Log(rate/(1-rate))) <= 1e-6) {
		t.Errorf("L2 1e6: coef %v intercept %g, want ~0 and %g", huge.Coef, huge.Intercept, math.Log(rate/(1-rate)))
	}
}

// TestObjectiveGradient compares the analytic gradient with central
// differences (gonum/diff/fd, to 1e-7 relative) on three hand-made rows and on 30000
// simulated rows of 39 features (several parallel pieces), and checks
// that the pieces give the same bits on one, two and five cores.
func TestObjectiveGradient(t *testing.T) {
	_, xw, yw := simulateWide(3, 30000, 39)
	zw, yfw := make([]float64, 0, 30000*39), make([]float64, len(yw))
	for i, row := range xw {
		for j, v := range row {
			zw = append(zw, v/float64(1+j%7)) // any fixed design
		}
		if yw[i] {
			yfw[i] = 1
		}
	}
	betaW := make([]float64, 40)
	for j := range betaW {
		betaW[j] = 0.01 * float64(j%5-2)
	}
	sets := []struct {
		name string
		z, y []float64
		p    int
		beta []float64
	}{
		{"hand-made", []float64{0.5, -1, 2, 0.1, -0.3, 0.7, 1.5, 1.5, -2}, []float64{1, 0, 1}, 3, []float64{0.2, -0.4, 0.9, 0.3}},
		{"simulated 30000x39", zw, yfw, 39, betaW},
	}
	for _, s := range sets {
		g := make([]float64, len(s.beta))
		f := objective(s.z, s.y, s.p, 0.05, s.beta, g)
		num := fd.Gradient(nil, func(b []float64) float64 { return objective(s.z, s.y, s.p, 0.05, b, nil) }, s.beta,
			&fd.Settings{Formula: fd.Central, Step: 1e-6})
		for j := range s.beta {
			if !(math.Abs(num[j]-g[j]) <= 1e-7*math.Max(1, math.Abs(num[j]))) {
				t.Errorf("%s: gradient %d = %.10g, numeric %.10g", s.name, j, g[j], num[j])
			}
		}
		prev := runtime.GOMAXPROCS(1)
		g1 := make([]float64, len(s.beta))
		f1 := objective(s.z, s.y, s.p, 0.05, s.beta, g1)
		for _, procs := range []int{2, 5} {
			runtime.GOMAXPROCS(procs)
			gp := make([]float64, len(s.beta))
			if fp := objective(s.z, s.y, s.p, 0.05, s.beta, gp); fp != f1 || !reflect.DeepEqual(gp, g1) {
				t.Errorf("%s: GOMAXPROCS %d gives %v %v, with 1: %v %v", s.name, procs, fp, gp, f1, g1)
			}
		}
		runtime.GOMAXPROCS(prev)
		if f != f1 {
			t.Errorf("%s: objective %v, with one core %v", s.name, f, f1)
		}
	}
}

func TestFitErrors(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		y    []bool
		opts Options
		want error
	}{
		{"no rows", nil, nil, Options{}, ErrInvalidData},
		{"ragged", [][]float64{{1, 2, 3}, {1, 2}}, []bool{true, false}, Options{}, ErrInvalidData},
		{"nan", [][]float64{{1, 2, math.NaN()}, {1, 2, 3}}, []bool{true, false}, Options{}, ErrInvalidData},
		{"labels length", [][]float64{{1, 2, 3}}, []bool{true, false}, Options{}, ErrInvalidData},
		{"single class", [][]float64{{1, 2, 3}, {2, 3, 4}}, []bool{true, true}, Options{}, ErrSingleClass},
		{"negative l2", [][]float64{{1, 2, 3}, {2, 3, 4}}, []bool{true, false}, Options{L2: -1}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Fit(features, tt.x, tt.y, tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestExplain checks the ordering rule on a hand-built model: with
// coefficients (2, -1, 0.5, 0) on standardised features and z = (1, 1, -4,
// 3), the contributions are (2, -1, -2, 0): towards churn first (2), then
// away from churn, most negative first (-2, -1), zero last.
func TestExplain(t *testing.T) {
	m := &Model{
		Features: []string{"a", "b", "c", "d"},
		Means:    []float64{0, 10, 0, 0},
		StdDevs:  []float64{1, 2, 1, 1},
		Coef:     []float64{2, -1, 0.5, 0},
	}
	x := []float64{1, 12, -4, 3} // z = (1, 1, -4, 3)
	got := m.Explain(x, 3)
	want := []Contribution{{"a", 0, 2}, {"c", 2, -2}, {"b", 1, -1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Explain = %+v, want %+v", got, want)
	}
	if all := m.Explain(x, 10); len(all) != 4 || all[3].Feature != "d" {
		t.Errorf("Explain(k=10) = %+v, want all four with d last", all)
	}
	if m.Explain(x[:2], 3) != nil {
		t.Error("Explain with a short row should be nil")
	}
}

// TestSampler: keeps everything up to k, is deterministic per seed, and
// includes each item with probability k/n. Over 2000 seeds each of 50
// items is kept 2000*10/50 = 400 times on average with binomial sd
// sqrt(2000*0.2*0.8) = 17.9; every count must be within 5 sd.
func TestSampler(t *testing.T) {
	s := NewSampler[int](10, 1)
	for i := 0; i < 7; i++ {
		s.Add(i)
	}
	if !reflect.DeepEqual(s.Items(), []int{0, 1, 2, 3, 4, 5, 6}) || s.Seen() != 7 {
		t.Errorf("short stream: %v (%d seen)", s.Items(), s.Seen())
	}
	run := func(seed uint64) []int {
		s := NewSampler[int](10, seed)
		for i := 0; i < 50; i++ {
			s.Add(i)
		}
		return append([]int(nil), s.Items()...)
	}
	if !reflect.DeepEqual(run(3), run(3)) {
		t.Error("same seed gave different samples")
	}
	if reflect.DeepEqual(run(3), run(4)) {
		t.Error("different seeds gave the same sample")
	}
	counts := make([]int, 50)
	for seed := uint64(0); seed < 2000; seed++ {
		items := run(seed)
		if len(items) != 10 {
			t.Fatalf("seed %d: %d items, want 10", seed, len(items))
		}
		for _, v := range items {
			counts[v]++
		}
	}
	for i, c := range counts {
		if !(math.Abs(float64(c)-400) <= 5*17.9) {
			t.Errorf("item %d kept %d times, want 400 +- 90", i, c)
		}
	}
}

// TestDesignReusedAcrossPenalties: one Design fitted with several
// penalties in turn gives models bit-identical to Fit on the rows for each
// penalty, and changing the rows after NewDesign changes nothing (the
// design keeps its own standardised copy, so the caller may drop them).
func TestDesignReusedAcrossPenalties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := simulate(rng, 2000, []float64{-3, 0.8, -1.5, 0.01})
	d, err := NewDesign(features, x, y)
	if err != nil {
		t.Fatal(err)
	}
	penalties := []float64{1e-4, 1e-2, 1}
	var want []*Model
	for _, l2 := range penalties {
		m, err := Fit(features, x, y, Options{L2: l2})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
	}
	for i := range x {
		for j := range x[i] {
			x[i][j] = math.NaN()
		}
	}
	for i, l2 := range penalties {
		got, err := d.Fit(Options{L2: l2})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("l2 %g: design fit %+v, Fit %+v", l2, got, want[i])
		}
	}
	if _, err := d.Fit(Options{L2: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("negative l2 on a design: %v, want ErrInvalidOptions", err)
	}
}

// TestSamplerNextPut: offering items with Next and Put, reusing the
// storage of the replaced item as churn's stream does, keeps the same
// sample as Add for the same seed and stream, and Slot returns the item a
// slot holds.
func TestSamplerNextPut(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		add := NewSampler[[]float64](10, seed)
		put := NewSampler[[]float64](10, seed)
		for i := 0; i < 200; i++ {
			row := []float64{float64(i), float64(-i)}
			add.Add(append([]float64(nil), row...))
			if slot := put.Next(); slot >= 0 {
				put.Put(slot, append(put.Slot(slot)[:0], row...))
			}
		}
		if !reflect.DeepEqual(add.Items(), put.Items()) || add.Seen() != put.Seen() {
			t.Fatalf("seed %d: Add kept %v, Next/Put %v", seed, add.Items(), put.Items())
		}
		if got := put.Slot(3); !reflect.DeepEqual(got, put.Items()[3]) {
			t.Errorf("Slot(3) = %v, want %v", got, put.Items()[3])
		}
	}
	if got := NewSampler[[]float64](5, 1).Slot(2); got != nil {
		t.Errorf("Slot of an empty sample = %v, want nil", got)
	}
}
