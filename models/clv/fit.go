package clv

import (
	"fmt"
	"github.com/memberlytics/memberlytics/models/internal/pieces"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// FitOptions configure the maximum-likelihood fits of this package. The
// zero value is valid and selects the defaults.
type FitOptions struct {
	// Penalty is an L2 penalty lambda >= 0 on the log-parameters theta: the
	// fit minimises -LL/N + lambda * sum_j theta_j^2, N the number of
	// customers. It shrinks parameters towards 1 and helps fits that
	// wander off to a boundary (a, b -> infinity). Default 0: plain MLE.
	Penalty float64
	// GradientTolerance is the convergence criterion: the fit has converged
	// when the largest absolute component of the gradient of the objective
	// above (per customer, in log-parameters) is at most this. Default 1e-6.
	GradientTolerance float64
	// MaxIterations caps the major iterations of each optimiser run.
	// Default 2000.
	MaxIterations int
	// MinCustomers is the minimum number of informative customers: those
	// with a repeat purchase for BG/NBD, those included in the spend fit
	// for Gamma-Gamma. Fewer give ErrTooFewCustomers. Default 10.
	MinCustomers int64
}

func (o FitOptions) withDefaults() (FitOptions, error) {
	if o.Penalty < 0 || math.IsNaN(o.Penalty) || math.IsInf(o.Penalty, 0) {
		return o, fmt.Errorf("fit option penalty = %g must be a finite number >= 0: %w", o.Penalty, ErrInvalidParams)
	}
	if o.GradientTolerance < 0 || o.MaxIterations < 0 || o.MinCustomers < 0 {
		return o, fmt.Errorf("fit options gradient_tolerance, max_iterations and min_customers must not be negative: %w", ErrInvalidParams)
	}
	if o.GradientTolerance == 0 {
		o.GradientTolerance = 1e-6
	}
	if o.MaxIterations == 0 {
		o.MaxIterations = 2000
	}
	if o.MinCustomers == 0 {
		o.MinCustomers = 10
	}
	return o, nil
}

// objective is a smooth function of the log-parameters; it fills grad when
// grad is not nil.
type objective func(theta, grad []float64) float64

// optResult is what minimize found.
type optResult struct {
	theta      []float64
	gradNorm   float64 // max-norm of the gradient at theta
	iterations int
	converged  bool
	method     string
}

// minimize runs L-BFGS with the analytic gradient from x0. If that does not
// reach the gradient tolerance (a line search failure or an iteration
// limit), it restarts from the best point with Nelder-Mead, which needs no
// gradient, and polishes the result with L-BFGS again. Convergence is judged
// by the gradient at the final point, whatever the method.
//
// The optimisers ask for the value and then the gradient at the same
// point; each pass over the data computes both and the last point's are
// kept, so a point costs one pass.
func minimize(obj objective, x0 []float64, o FitOptions) optResult {
	var lastX, lastG []float64
	var lastF float64
	safe := func(x, grad []float64) float64 {
		if lastX == nil || !floats.Equal(x, lastX) {
			lastX = append(lastX[:0], x...)
			lastG = append(lastG[:0], x...) // the length of x
			lastF = obj(x, lastG)
			if math.IsNaN(lastF) || math.IsInf(lastF, 0) {
				for i := range lastG {
					lastG[i] = 0
				}
				lastF = math.Inf(1)
			}
		}
		copy(grad, lastG)
		return lastF
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { return safe(x, nil) },
		Grad: func(grad, x []float64) { safe(x, grad) },
	}
	gradNorm := func(x []float64) float64 {
		g := make([]float64, len(x))
		if f := safe(x, g); math.IsInf(f, 0) {
			return math.Inf(1)
		}
		return floats.Norm(g, math.Inf(1))
	}
	settings := &optimize.Settings{
		GradientThreshold: o.GradientTolerance,
		MajorIterations:   o.MaxIterations,
	}
	best := append([]float64(nil), x0...)
	bestF := safe(best, nil)
	res := optResult{method: "lbfgs"}
	run := func(m optimize.Method) {
		r, _ := optimize.Minimize(p, best, settings, m) // judged by the gradient below
		if r == nil {
			return
		}
		res.iterations += r.Stats.MajorIterations
		if r.F <= bestF && !math.IsInf(r.F, 0) {
			best, bestF = append([]float64(nil), r.X...), r.F
		}
	}
	run(&optimize.LBFGS{})
	if res.gradNorm = gradNorm(best); res.gradNorm > o.GradientTolerance {
		res.method = "lbfgs+neldermead+lbfgs"
		run(&optimize.NelderMead{})
		run(&optimize.LBFGS{})
		res.gradNorm = gradNorm(best)
	}
	res.theta = best
	res.converged = res.gradNorm <= o.GradientTolerance
	return res
}

// logParamStdErr returns the standard errors of the log-parameters from
// the inverse of the observed information: the Hessian of the total
// negative log-likelihood, by central differences of its analytic gradient
// (step 1e-5). grad must be the gradient of the total negative
// log-likelihood. NaN entries mean the Hessian is not positive definite.
func logParamStdErr(grad func(theta, g []float64), theta []float64) []float64 {
	n := len(theta)
	const h = 1e-5
	hess := mat.NewSymDense(n, nil)
	gp, gm := make([]float64, n), make([]float64, n)
	cols := make([][]float64, n)
	x := append([]float64(nil), theta...)
	for j := 0; j < n; j++ {
		x[j] = theta[j] + h
		grad(x, gp)
		x[j] = theta[j] - h
		grad(x, gm)
		x[j] = theta[j]
		cols[j] = make([]float64, n)
		for i := range cols[j] {
			cols[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			hess.SetSym(i, j, (cols[j][i]+cols[i][j])/2)
		}
	}
	se := make([]float64, n)
	var chol mat.Cholesky
	if !chol.Factorize(hess) {
		for i := range se {
			se[i] = math.NaN()
		}
		return se
	}
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		for i := range se {
			se[i] = math.NaN()
		}
		return se
	}
	for i := range se {
		se[i] = math.Sqrt(inv.At(i, i))
	}
	return se
}

// BGNBDFit is the result of FitBGNBD.
type BGNBDFit struct {
	Params BGNBDParams
	// LogLikelihood is the total log-likelihood sum_i Count_i * log L_i at
	// Params, without the penalty.
	LogLikelihood float64
	// Customers is the sum of the counts; Tuples the number of rows.
	Customers int64
	Tuples    int
	// RepeatCustomers counts customers with x >= 1.
	RepeatCustomers int64
	// Iterations is the number of optimiser major iterations in all runs.
	Iterations int
	// Converged reports whether GradNorm <= the gradient tolerance.
	Converged bool
	// GradNorm is the max-norm of the gradient of the (per customer,
	// penalised) objective at Params.
	GradNorm float64
	// Method names the optimiser path: "lbfgs" or
	// "lbfgs+neldermead+lbfgs" when the fallback ran.
	Method string
	// StdErrLog are standard errors of log r, log alpha, log a, log b from
	// the inverse observed information of the unpenalised likelihood
	// (NaN when it is singular). Multiply by a parameter for the delta
	// method standard error of that parameter.
	StdErrLog [4]float64
}

// bgnbdData is the fit's view of the tuples: sorted by x, with each x,
// age and recency replaced by an index into a table of distinct values,
// so that a likelihood pass computes the Gamma functions once per distinct
// x and the logarithms of alpha + t once per distinct time.
type bgnbdData struct {
	xs     []float64 // distinct frequencies, ascending
	weight []float64 // customers per distinct x
	times  []float64 // distinct ages and recencies
	rows   []bgnbdRow
}

// bgnbdRow is one tuple: its count, its x, T and t_x as indices into xs
// and times.
type bgnbdRow struct {
	w           float64
	x, age, rec int32
}

func prepareBGNBD(data []Customer) *bgnbdData {
	idx := orderByX(len(data), func(i int) int { return data[i].X })
	d := &bgnbdData{rows: make([]bgnbdRow, len(data))}
	timeIdx := make(map[float64]int32)
	timeOf := func(t float64) int32 {
		k, ok := timeIdx[t]
		if !ok {
			k = int32(len(d.times))
			timeIdx[t] = k
			d.times = append(d.times, t)
		}
		return k
	}
	for i, j := range idx {
		c := data[j]
		if len(d.xs) == 0 || d.xs[len(d.xs)-1] != float64(c.X) {
			d.xs = append(d.xs, float64(c.X))
			d.weight = append(d.weight, 0)
		}
		w := float64(c.Count)
		d.weight[len(d.weight)-1] += w
		d.rows[i] = bgnbdRow{w: w, x: int32(len(d.xs) - 1), age: timeOf(c.T), rec: timeOf(c.TX)}
	}
	return d
}

// total returns the total log-likelihood sum_i Count_i log L_i at the
// log-parameters theta and, if grad is not nil, its gradient with respect
// to theta. The rows are summed in parallel pieces (sumChunks).
func (d *bgnbdData) total(theta, grad []float64) float64 {
	m := BGNBDParams{R: math.Exp(theta[0]), Alpha: math.Exp(theta[1]), A: math.Exp(theta[2]), B: math.Exp(theta[3])}
	// The x-only parts, weighted by the customers with that x.
	rx := make([]float64, len(d.xs))   // r + x
	logA := make([]float64, len(d.xs)) // log a - log(b+x-1)
	invB := make([]float64, len(d.xs)) // 1/(b+x-1)
	var sums [10]float64               // log-likelihood and gradient in (r, alpha, a, b); then the per-row parts
	for i, x := range d.xs {
		t := newXTerms(m, x, true)
		rx[i], logA[i] = m.R+x, t.logA
		if x > 0 {
			invB[i] = 1 / (m.B + x - 1)
		}
		sums[0] += d.weight[i] * t.k
		for j := range t.dk {
			sums[1+j] += d.weight[i] * t.dk[j]
		}
	}
	// log(alpha + t) and 1/(alpha + t) for every distinct time.
	logT := make([]float64, len(d.times))
	invT := make([]float64, len(d.times))
	pieces.For(len(d.times), func(lo, hi, _ int) {
		for i := lo; i < hi; i++ {
			s := m.Alpha + d.times[i]
			logT[i], invT[i] = math.Log(s), 1/s
		}
	})
	// Per row: the log of the bracket of FHL 2005 eq. (6) and its
	// derivatives; a and b enter through w2, the weight of the second
	// term, alone.
	pieces.Sum(len(d.rows), sums[5:10], func(lo, hi int, out []float64) {
		var ll, gr, ga, gA, gB float64
		for _, row := range d.rows[lo:hi] {
			l1, i1, r := logT[row.age], invT[row.age], rx[row.x]
			if d.xs[row.x] == 0 {
				ll -= row.w * r * l1
				gr -= row.w * l1
				ga -= row.w * r * i1
				continue
			}
			l2, i2 := logT[row.rec], invT[row.rec]
			u1, u2 := -r*l1, logA[row.x]-r*l2
			// log(e^u1 + e^u2) and the weights w1 + w2 = 1 of the terms.
			// log(1+e) rather than log1p: e <= 1, so its absolute error is
			// at most an ulp of 1, and math.Log is several times faster.
			var lse, w1, w2 float64
			if u2 > u1 {
				e := math.Exp(u1 - u2)
				lse, w1, w2 = u2+math.Log(1+e), e/(1+e), 1/(1+e)
			} else {
				e := math.Exp(u2 - u1)
				lse, w1, w2 = u1+math.Log(1+e), 1/(1+e), e/(1+e)
			}
			ll += row.w * lse
			gr -= row.w * (w1*l1 + w2*l2)
			ga -= row.w * r * (w1*i1 + w2*i2)
			gA += row.w * w2
			gB -= row.w * w2 * invB[row.x]
		}
		out[0], out[1], out[2], out[3], out[4] = ll, gr, ga, gA, gB
	})
	if grad != nil {
		grad[0] = (sums[1] + sums[6]) * m.R // chain rule: d/d log p = p d/dp
		grad[1] = (sums[2] + sums[7]) * m.Alpha
		grad[2] = sums[3]*m.A + sums[8] // the 1/a of d/da cancels
		grad[3] = (sums[4] + sums[9]) * m.B
	}
	return sums[0] + sums[5]
}

// FitBGNBD fits the BG/NBD model to distinct (x, t_x, T) tuples with counts
// by maximum likelihood over the log-parameters (so every parameter stays
// positive), with the analytic gradient, L-BFGS and a Nelder-Mead fallback
// (see FitOptions for the objective and the convergence rule).
//
// It returns an error wrapping ErrInvalidData for a row outside the domain,
// ErrTooFewCustomers when fewer than opts.MinCustomers customers have a
// repeat purchase, and ErrNotConverged, together with the last fit for
// diagnosis, when the optimiser did not converge. It is deterministic and
// safe for concurrent use; its cost is linear in len(data) per iteration,
// with the x-dependent Gamma functions computed once per distinct x and
// log(alpha + t) once per distinct age or recency. Each likelihood pass
// runs on up to GOMAXPROCS goroutines in pieces fixed by the data, so the
// result is bit-identical whatever the number of cores.
func FitBGNBD(data []Customer, opts FitOptions) (BGNBDFit, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return BGNBDFit{}, fmt.Errorf("fit bg/nbd: %w", err)
	}
	fit := BGNBDFit{Tuples: len(data)}
	sumX, sumT := 0.0, 0.0
	for i, c := range data {
		if err := c.validate(i); err != nil {
			return BGNBDFit{}, fmt.Errorf("fit bg/nbd: %w", err)
		}
		fit.Customers += c.Count
		if c.X > 0 {
			fit.RepeatCustomers += c.Count
		}
		sumX += float64(c.Count) * float64(c.X)
		sumT += float64(c.Count) * c.T
	}
	if fit.RepeatCustomers < o.MinCustomers {
		return fit, fmt.Errorf("fit bg/nbd: %d customers with a repeat purchase, need %d: %w",
			fit.RepeatCustomers, o.MinCustomers, ErrTooFewCustomers)
	}
	d := prepareBGNBD(data)
	n := float64(fit.Customers)
	obj := func(theta, grad []float64) float64 {
		ll := d.total(theta, grad)
		f := -ll / n
		for j, t := range theta {
			f += o.Penalty * t * t
			if grad != nil {
				grad[j] = -grad[j]/n + 2*o.Penalty*t
			}
		}
		return f
	}
	// Start at r = 1, a = b = 1 and alpha matching the observed repeat rate
	// r/alpha = sum x / sum T, so the start does not depend on the unit.
	alpha0 := sumT / math.Max(sumX, 1)
	res := minimize(obj, []float64{0, math.Log(alpha0), 0, 0}, o)
	th := res.theta
	fit.Params = BGNBDParams{R: math.Exp(th[0]), Alpha: math.Exp(th[1]), A: math.Exp(th[2]), B: math.Exp(th[3])}
	fit.LogLikelihood = d.total(th, nil)
	fit.Iterations, fit.Converged, fit.GradNorm, fit.Method = res.iterations, res.converged, res.gradNorm, res.method
	se := logParamStdErr(func(theta, g []float64) {
		d.total(theta, g)
		for j := range g {
			g[j] = -g[j]
		}
	}, th)
	copy(fit.StdErrLog[:], se)
	if !fit.Converged {
		return fit, fmt.Errorf("fit bg/nbd: gradient norm %.3g > %.3g after %d iterations (%s): %w",
			fit.GradNorm, o.GradientTolerance, fit.Iterations, fit.Method, ErrNotConverged)
	}
	return fit, nil
}
