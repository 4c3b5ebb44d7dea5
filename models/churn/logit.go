package churn

import (
	"fmt"
	"github.com/memberlytics/memberlytics/models/internal/pieces"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// DefaultL2 is a mild default for Options.L2.
const DefaultL2 = 1e-4

// Options configure Fit.
type Options struct {
	// L2 is lambda >= 0 in the objective
	//
	//	(1/n) sum_i [log(1 + exp(eta_i)) - y_i eta_i] + (lambda/2) sum_j beta_j^2,
	//
	// eta_i = beta_0 + sum_j beta_j z_ij on standardised features z. The
	// intercept beta_0 is not penalised. Used as given: 0 means no
	// penalty (DefaultL2 is a mild choice).
	L2 float64
	// GradientTolerance: converged when the max-norm of the gradient of the
	// objective is at most this. Default 1e-7.
	GradientTolerance float64
	// MaxIterations caps L-BFGS major iterations. Default 1000.
	MaxIterations int
}

// Model is a fitted logistic regression. The coefficients apply to
// standardised features z_j = (x_j - Means[j]) / StdDevs[j]. It is
// immutable after Fit and safe for concurrent use.
type Model struct {
	Features  []string
	Means     []float64
	StdDevs   []float64 // population standard deviations; 1 for constant features
	Intercept float64
	Coef      []float64 // per standardised feature
	// TrainLogLoss is the unpenalised mean log loss on the training rows.
	TrainLogLoss float64
	Iterations   int
	Converged    bool
	GradNorm     float64
}

// Fit fits an L2-regularised logistic regression to rows x (one slice of
// len(features) values per row) and labels y (true = churned) with
// L-BFGS and the analytic gradient, starting from beta = 0 and the
// intercept at the log-odds of the base rate. Features are standardised
// with their means and population standard deviations (stored in the
// model); a constant feature gets standard deviation 1 and, having no
// variation, coefficient 0. It is NewDesign followed by Design.Fit; fit
// several penalties to the same rows through one Design.
//
// Errors wrap ErrInvalidData (ragged rows, NaN or infinite values, no
// rows), ErrSingleClass, ErrInvalidOptions, or ErrNotConverged (with the
// last model). Deterministic: no randomness; each pass over the rows runs
// on up to GOMAXPROCS goroutines in pieces fixed by the data, so the model
// is bit-identical whatever the number of cores.
func Fit(features []string, x [][]float64, y []bool, opts Options) (*Model, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	d, err := NewDesign(features, x, y)
	if err != nil {
		return nil, err
	}
	return d.Fit(opts)
}

// check refuses options Fit cannot use.
func (o Options) check() error {
	if o.L2 < 0 || math.IsNaN(o.L2) || math.IsInf(o.L2, 0) || o.GradientTolerance < 0 || o.MaxIterations < 0 {
		return fmt.Errorf("fit churn model: l2, gradient_tolerance and max_iterations must be finite and >= 0: %w", ErrInvalidOptions)
	}
	return nil
}

// Design is a training set made ready for Fit: its features' means and
// population standard deviations and the standardised rows, row-major
// (n x p float64, the size of the rows themselves). Build it once to fit
// several penalties; it does not refer to the rows it was made from, so
// the caller may drop them.
type Design struct {
	features   []string
	means, sds []float64
	z, y       []float64 // standardised rows; labels as 0/1
	n, p, pos  int
}

// NewDesign checks rows x and labels y (see Fit for the errors) and
// standardises them.
func NewDesign(features []string, x [][]float64, y []bool) (*Design, error) {
	n, p := len(x), len(features)
	if n == 0 || len(y) != n {
		return nil, fmt.Errorf("fit churn model: %d rows and %d labels: %w", n, len(y), ErrInvalidData)
	}
	pos := 0
	for i, row := range x {
		if len(row) != p {
			return nil, fmt.Errorf("fit churn model: row %d has %d values, want %d: %w", i, len(row), p, ErrInvalidData)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("fit churn model: row %d feature %s = %g: %w", i, features[j], v, ErrInvalidData)
			}
		}
		if y[i] {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return nil, fmt.Errorf("fit churn model: %d of %d rows churned: %w", pos, n, ErrSingleClass)
	}
	d := &Design{features: append([]string(nil), features...), means: make([]float64, p), sds: make([]float64, p), n: n, p: p, pos: pos}
	// Means and population standard deviations, summed row by row (each
	// feature's sums still run over the rows in order): reading the rows
	// once per feature was a cache miss per value.
	for _, row := range x {
		floats.Add(d.means, row)
	}
	for j := range d.means {
		d.means[j] /= float64(n)
	}
	ss := make([]float64, p)
	for _, row := range x {
		for j, v := range row {
			e := v - d.means[j]
			ss[j] += e * e
		}
	}
	for j := range ss {
		sd := math.Sqrt(ss[j] / float64(n))
		if sd == 0 {
			sd = 1
		}
		d.sds[j] = sd
	}
	d.z, d.y = make([]float64, n*p), make([]float64, n)
	pieces.For(n, func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			for j, v := range x[i] {
				d.z[i*p+j] = (v - d.means[j]) / d.sds[j]
			}
			if y[i] {
				d.y[i] = 1
			}
		}
	})
	return d, nil
}

// Fit fits the design with opts (see the package function Fit).
func (d *Design) Fit(opts Options) (*Model, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.GradientTolerance == 0 {
		opts.GradientTolerance = 1e-7
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = 1000
	}
	n, p, pos, z, yf := d.n, d.p, d.pos, d.z, d.y
	m := &Model{Features: append([]string(nil), d.features...), Means: append([]float64(nil), d.means...),
		StdDevs: append([]float64(nil), d.sds...), Coef: make([]float64, p)}
	obj := func(beta, grad []float64) float64 {
		return objective(z, yf, p, opts.L2, beta, grad)
	}
	// L-BFGS asks for the value and then the gradient at the same point;
	// one pass computes both and the last point's are kept.
	var lastB, lastG []float64
	var lastF float64
	both := func(b, g []float64) float64 {
		if lastB == nil || !floats.Equal(b, lastB) {
			lastB = append(lastB[:0], b...)
			lastG = append(lastG[:0], b...) // the length of b
			lastF = obj(b, lastG)
		}
		copy(g, lastG)
		return lastF
	}
	prob := optimize.Problem{
		Func: func(b []float64) float64 { return both(b, nil) },
		Grad: func(g, b []float64) { both(b, g) },
	}
	beta0 := make([]float64, p+1)
	rate := float64(pos) / float64(n)
	beta0[0] = math.Log(rate / (1 - rate))
	settings := &optimize.Settings{GradientThreshold: opts.GradientTolerance, MajorIterations: opts.MaxIterations}
	best := beta0
	res, _ := optimize.Minimize(prob, beta0, settings, &optimize.LBFGS{}) // judged by the gradient below
	if res != nil && res.F <= obj(beta0, nil) {
		best = res.X
		m.Iterations = res.Stats.MajorIterations
	}
	g := make([]float64, p+1)
	both(best, g)
	m.GradNorm = floats.Norm(g, math.Inf(1))
	m.Converged = m.GradNorm <= opts.GradientTolerance
	m.Intercept = best[0]
	copy(m.Coef, best[1:])
	m.TrainLogLoss = objective(z, yf, p, 0, best, nil)
	if !m.Converged {
		return m, fmt.Errorf("fit churn model: gradient norm %.3g > %.3g after %d iterations: %w",
			m.GradNorm, opts.GradientTolerance, m.Iterations, ErrNotConverged)
	}
	return m, nil
}

// sigmoid returns 1/(1+exp(-v)) without overflow.
func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// objective is the penalised mean log loss of Options.L2 and, if grad is
// not nil, its gradient: (1/n) sum_i (sigmoid(eta_i) - y_i) (1, z_i) +
// lambda (0, beta). The rows are summed in parallel pieces (sumChunks).
func objective(z, y []float64, p int, l2 float64, beta, grad []float64) float64 {
	n := len(y)
	sums := make([]float64, len(beta)+1) // loss, then the gradient
	pieces.Sum(n, sums, func(lo, hi int, out []float64) {
		loss, g := 0.0, out[1:]
		for i := lo; i < hi; i++ {
			row := z[i*p : (i+1)*p]
			eta := beta[0] + floats.Dot(beta[1:], row)
			// One exponential for both log(1 + e^eta) and sigmoid(eta):
			// e = exp(-|eta|) <= 1, so log(1+e) is accurate to an ulp
			// of 1 in absolute terms and cannot overflow.
			e := math.Exp(-math.Abs(eta))
			loss += math.Max(eta, 0) + math.Log(1+e) - y[i]*eta
			if grad != nil {
				s := 1 / (1 + e)
				if eta < 0 {
					s = e / (1 + e)
				}
				r := s - y[i]
				g[0] += r
				floats.AddScaled(g[1:], r, row)
			}
		}
		out[0] = loss
	})
	fn := float64(n)
	loss := sums[0] / fn
	for j := 1; j < len(beta); j++ {
		loss += l2 / 2 * beta[j] * beta[j]
	}
	if grad != nil {
		for j := range grad {
			grad[j] = sums[j+1] / fn
			if j > 0 {
				grad[j] += l2 * beta[j]
			}
		}
	}
	return loss
}

// Logit returns the linear predictor eta for raw feature values x (in the
// order of Features). NaN if len(x) is wrong.
func (m *Model) Logit(x []float64) float64 {
	if len(x) != len(m.Coef) {
		return math.NaN()
	}
	eta := m.Intercept
	for j, v := range x {
		eta += m.Coef[j] * (v - m.Means[j]) / m.StdDevs[j]
	}
	return eta
}

// Predict returns the churn probability for raw feature values x.
func (m *Model) Predict(x []float64) float64 { return sigmoid(m.Logit(x)) }

// RawCoefficients returns the model on the raw feature scale,
// eta = intercept + sum_j coef[j] x_j, for scoring outside Go (for example
// as a ClickHouse expression): coef[j] = Coef[j]/StdDevs[j] and
// intercept = Intercept - sum_j coef[j] Means[j].
func (m *Model) RawCoefficients() (intercept float64, coef []float64) {
	coef = make([]float64, len(m.Coef))
	intercept = m.Intercept
	for j := range coef {
		coef[j] = m.Coef[j] / m.StdDevs[j]
		intercept -= coef[j] * m.Means[j]
	}
	return intercept, coef
}

// Contribution is one feature's share of a row's linear predictor.
type Contribution struct {
	Feature string
	Index   int
	// Value is Coef[j] times the row's standardised value z_j: positive
	// pushes towards churn, negative away from it.
	Value float64
}

// Explain returns the k features with the largest contributions
// Coef[j] * z_j to the row's log-odds of churn: contributions towards
// churn (positive) first, largest first, then those away from churn,
// most negative first; zero contributions last. Ties keep feature order.
// Fewer than k are returned when there are fewer features; nil if len(x)
// is wrong.
func (m *Model) Explain(x []float64, k int) []Contribution {
	if len(x) != len(m.Coef) || k <= 0 {
		return nil
	}
	cs := make([]Contribution, len(x))
	for j, v := range x {
		cs[j] = Contribution{Feature: m.Features[j], Index: j, Value: m.Coef[j] * (v - m.Means[j]) / m.StdDevs[j]}
	}
	rank := func(v float64) int {
		switch {
		case v > 0:
			return 0
		case v < 0:
			return 1
		}
		return 2
	}
	sort.SliceStable(cs, func(a, b int) bool {
		ra, rb := rank(cs[a].Value), rank(cs[b].Value)
		if ra != rb {
			return ra < rb
		}
		return math.Abs(cs[a].Value) > math.Abs(cs[b].Value)
	})
	if k < len(cs) {
		cs = cs[:k]
	}
	return cs
}

// Sampler keeps a uniform random sample of at most K items from a stream
// of unknown length (reservoir sampling, Vitter's Algorithm R), to cap the
// rows a model trains on. The same seed and stream give the same sample.
// Not safe for concurrent use.
type Sampler[T any] struct {
	k     int
	seen  int64
	rng   *rand.Rand
	items []T
}

// NewSampler returns a sampler that keeps at most k items (k >= 1),
// seeded with seed.
func NewSampler[T any](k int, seed uint64) *Sampler[T] {
	if k < 1 {
		k = 1
	}
	return &Sampler[T]{k: k, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// Add offers the next item of the stream. After n items each of them is
// in the sample with probability min(1, k/n).
func (s *Sampler[T]) Add(item T) {
	if i := s.Next(); i >= 0 {
		s.Put(i, item)
	}
}

// Next offers the next item of the stream before it is made: it returns
// the slot the item goes to (Put it there), or -1 when the sample does not
// take it. It draws as Add does, so the same seed and stream give the same
// sample either way; a caller whose items are costly to make makes only
// the ones taken, and may reuse the storage of the item in a slot it
// replaces (Slot).
func (s *Sampler[T]) Next() int {
	s.seen++
	if len(s.items) < s.k {
		return len(s.items)
	}
	if j := s.rng.Int64N(s.seen); j < int64(s.k) {
		return int(j)
	}
	return -1
}

// Slot returns the item in slot i (the zero T while the sample is not yet
// that long).
func (s *Sampler[T]) Slot(i int) T {
	var zero T
	if i < len(s.items) {
		return s.items[i]
	}
	return zero
}

// Put stores item in slot i, a slot Next returned.
func (s *Sampler[T]) Put(i int, item T) {
	if i == len(s.items) {
		s.items = append(s.items, item)
		return
	}
	s.items[i] = item
}

// Items returns the sample (in reservoir order, not stream order). The
// slice is the sampler's own: copy it before adding more items.
func (s *Sampler[T]) Items() []T { return s.items }

// Seen returns how many items were offered.
func (s *Sampler[T]) Seen() int64 { return s.seen }
