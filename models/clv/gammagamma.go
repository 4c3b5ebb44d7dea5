package clv

import (
	"fmt"
	"github.com/memberlytics/memberlytics/models/internal/pieces"
	"math"
)

// SpendCustomer is one customer (or Count customers sharing the values) for
// the Gamma-Gamma spend model.
type SpendCustomer struct {
	// X is the number of purchases whose values are averaged (the repeat
	// purchases, so the BG/NBD frequency). Customers with X < 1 are left
	// out of the fit and counted.
	X int
	// MeanValue is the mean value of those purchases. Customers with
	// MeanValue <= 0 (refunds, free orders) are left out and counted.
	MeanValue float64
	// Count is how many customers share (X, MeanValue), >= 1.
	Count int64
}

// GammaGammaParams are the parameters of FH 2013: transaction values of a
// customer are Gamma(shape P, rate nu) and nu ~ Gamma(shape Q, rate V)
// across customers, so a customer's mean spend is P/nu with population
// mean P*V/(Q-1). P, V > 0 and Q > 1 (otherwise that mean is infinite).
type GammaGammaParams struct {
	P, Q, V float64
}

// Validate returns an error wrapping ErrInvalidParams unless P and V are
// positive, Q > 1, and all are finite.
func (g GammaGammaParams) Validate() error {
	switch {
	case !(g.P > 0) || math.IsInf(g.P, 0):
		return fmt.Errorf("gamma-gamma parameter p = %g must be positive and finite: %w", g.P, ErrInvalidParams)
	case !(g.Q > 1) || math.IsInf(g.Q, 0):
		return fmt.Errorf("gamma-gamma parameter q = %g must be > 1 and finite: %w", g.Q, ErrInvalidParams)
	case !(g.V > 0) || math.IsInf(g.V, 0):
		return fmt.Errorf("gamma-gamma parameter v = %g must be positive and finite: %w", g.V, ErrInvalidParams)
	}
	return nil
}

// LogLikelihood returns the log density of the mean value zbar of x
// purchases (FH 2013, the marginal distribution of zbar after mixing over
// nu):
//
//	f(zbar | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q x^(px) zbar^(px-1) / (v + x zbar)^(px+q).
//
// NaN when x < 1, zbar <= 0 or the parameters are invalid.
func (g GammaGammaParams) LogLikelihood(x int, zbar float64) float64 {
	if g.Validate() != nil || x < 1 || !(zbar > 0) {
		return math.NaN()
	}
	fx := float64(x)
	px := g.P * fx
	return lgamma(px+g.Q) - lgamma(px) - lgamma(g.Q) + g.Q*math.Log(g.V) +
		px*math.Log(fx) + (px-1)*math.Log(zbar) - (px+g.Q)*math.Log(g.V+fx*zbar)
}

// ExpectedValue returns the population mean spend per purchase, p v / (q-1).
func (g GammaGammaParams) ExpectedValue() float64 {
	if g.Validate() != nil {
		return math.NaN()
	}
	return g.P * g.V / (g.Q - 1)
}

// ConditionalExpectedValue returns E[M | x, zbar], the expected value of a
// customer's future purchases given x past purchases with mean zbar
// (FH 2013): the posterior of nu is Gamma(px+q, v + x zbar), so
//
//	E[M | x, zbar] = p (v + x zbar) / (px + q - 1)
//	              = (q-1)/(px+q-1) * p v/(q-1) + px/(px+q-1) * zbar,
//
// a weighted mean of the population mean and the customer's own mean. For
// x = 0 (or zbar <= 0, customers left out of the fit) it returns the
// population mean ExpectedValue. NaN for invalid parameters.
func (g GammaGammaParams) ConditionalExpectedValue(x int, zbar float64) float64 {
	if g.Validate() != nil {
		return math.NaN()
	}
	if x < 1 || !(zbar > 0) {
		return g.ExpectedValue()
	}
	px := g.P * float64(x)
	return g.P * (g.V + float64(x)*zbar) / (px + g.Q - 1)
}

// GammaGammaFit is the result of FitGammaGamma.
type GammaGammaFit struct {
	Params GammaGammaParams
	// LogLikelihood is the total log-likelihood of the included customers
	// at Params, without the penalty.
	LogLikelihood float64
	// Customers is the number of customers in the fit (X >= 1, MeanValue > 0).
	Customers int64
	// ExcludedNoRepeat counts customers with X < 1; ExcludedNonPositive
	// counts customers with X >= 1 and MeanValue <= 0 (or NaN).
	ExcludedNoRepeat, ExcludedNonPositive int64
	// FrequencyMonetaryCorrelation is the Pearson correlation of X and
	// MeanValue over the included customers; see
	// FrequencyMonetaryCorrelation.
	FrequencyMonetaryCorrelation float64
	// Iterations, Converged, GradNorm and Method are as in BGNBDFit.
	Iterations int
	Converged  bool
	GradNorm   float64
	Method     string
	// StdErrLog are standard errors of log p, log(q-1), log v from the
	// inverse observed information of the unpenalised likelihood.
	StdErrLog [3]float64
}

// included reports whether c takes part in the spend fit.
func (c SpendCustomer) included() bool { return c.X >= 1 && c.MeanValue > 0 }

// FrequencyMonetaryCorrelation returns the Count-weighted Pearson
// correlation of X and MeanValue over the customers the spend fit uses
// (X >= 1, MeanValue > 0). Gamma-Gamma assumes spend is independent of
// frequency; FH 2013 check this with the same correlation (about 0.11 on
// CDNOW). The caller decides what is "badly broken" and warns. NaN when
// fewer than two customers or either variable is constant.
func FrequencyMonetaryCorrelation(data []SpendCustomer) float64 {
	var n, sx, sy float64
	for _, c := range data {
		if c.included() && c.Count > 0 {
			w := float64(c.Count)
			n += w
			sx += w * float64(c.X)
			sy += w * c.MeanValue
		}
	}
	if n < 2 {
		return math.NaN()
	}
	mx, my := sx/n, sy/n
	var cxy, cxx, cyy float64
	for _, c := range data {
		if c.included() && c.Count > 0 {
			w := float64(c.Count)
			dx, dy := float64(c.X)-mx, c.MeanValue-my
			cxy += w * dx * dy
			cxx += w * dx * dx
			cyy += w * dy * dy
		}
	}
	if cxx == 0 || cyy == 0 {
		return math.NaN()
	}
	return cxy / math.Sqrt(cxx*cyy)
}

// ggData is the spend fit's view of the included customers: rows sorted
// by x, with per distinct x the customers and the sum of their log mean
// values, so that a likelihood pass computes the Gamma functions once per
// distinct x and one logarithm per row.
type ggData struct {
	xs     []float64 // distinct x, ascending
	weight []float64 // customers per distinct x
	sumLog []float64 // sum of Count * log(MeanValue) per distinct x
	rows   []ggRow
}

// ggRow is an included customer (or Count of them) for the likelihood.
type ggRow struct {
	z, w float64 // mean value and count
	x    int32   // index into ggData.xs
}

// prepareGG groups included customers (x >= 1, z > 0) by x.
func prepareGG(data []SpendCustomer) *ggData {
	var inc []int
	for i, c := range data {
		if c.included() {
			inc = append(inc, i)
		}
	}
	order := orderByX(len(inc), func(i int) int { return data[inc[i]].X })
	d := &ggData{rows: make([]ggRow, len(inc))}
	for i, j := range order {
		c := data[inc[j]]
		if len(d.xs) == 0 || d.xs[len(d.xs)-1] != float64(c.X) {
			d.xs = append(d.xs, float64(c.X))
			d.weight = append(d.weight, 0)
			d.sumLog = append(d.sumLog, 0)
		}
		k := len(d.xs) - 1
		w := float64(c.Count)
		d.weight[k] += w
		d.sumLog[k] += w * math.Log(c.MeanValue)
		d.rows[i] = ggRow{z: c.MeanValue, w: w, x: int32(k)}
	}
	return d
}

// total returns the total log-likelihood for theta = (log p, log(q-1),
// log v) and, if grad is not nil, its gradient with respect to theta. The
// rows are summed in parallel pieces (sumChunks).
func (d *ggData) total(theta, grad []float64) float64 {
	p, q, v := math.Exp(theta[0]), 1+math.Exp(theta[1]), math.Exp(theta[2])
	lgq, lv, dq0 := lgamma(q), math.Log(v), digamma(q)
	// The x-only parts, weighted by the customers with that x.
	var sums [8]float64               // log-likelihood and gradient in (p, q, v); then the per-row parts
	pxq := make([]float64, len(d.xs)) // p x + q
	for i, x := range d.xs {
		px := p * x
		pxq[i] = px + q
		w := d.weight[i]
		dpq := digamma(px + q)
		sums[0] += w*(lgamma(px+q)-lgamma(px)-lgq+q*lv+px*math.Log(x)) + (px-1)*d.sumLog[i]
		sums[1] += w*x*(dpq-digamma(px)+math.Log(x)) + x*d.sumLog[i]
		sums[2] += w * (dpq - dq0 + lv)
		sums[3] += w * q / v
	}
	// Per row: log(v + x zbar) enters with factor -(p x + q).
	pieces.Sum(len(d.rows), sums[4:8], func(lo, hi int, out []float64) {
		var ll, gp, gq, gv float64
		for _, r := range d.rows[lo:hi] {
			x := d.xs[r.x]
			s := v + x*r.z
			lvz := math.Log(s)
			ll -= r.w * pxq[r.x] * lvz
			gp -= r.w * x * lvz
			gq -= r.w * lvz
			gv -= r.w * pxq[r.x] / s
		}
		out[0], out[1], out[2], out[3] = ll, gp, gq, gv
	})
	if grad != nil {
		grad[0] = (sums[1] + sums[5]) * p       // d/d log p
		grad[1] = (sums[2] + sums[6]) * (q - 1) // d/d log(q-1)
		grad[2] = (sums[3] + sums[7]) * v       // d/d log v
	}
	return sums[0] + sums[4]
}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood over
// (log p, log(q-1), log v), which keeps p, v > 0 and q > 1 so that
// expected values stay finite. Customers with X < 1 or MeanValue <= 0 are
// left out and counted in the result. Optimiser, penalty and convergence
// rule are as in FitBGNBD (FitOptions).
//
// Errors wrap ErrInvalidData (Count < 1 or a negative X), ErrTooFewCustomers
// (fewer than opts.MinCustomers included customers) or ErrNotConverged
// (returned with the last fit). The frequency-monetary correlation is
// reported, not judged: the caller warns. Deterministic; its likelihood
// passes run in parallel as FitBGNBD's do.
func FitGammaGamma(data []SpendCustomer, opts FitOptions) (GammaGammaFit, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return GammaGammaFit{}, fmt.Errorf("fit gamma-gamma: %w", err)
	}
	var fit GammaGammaFit
	sumZ := 0.0
	for i, c := range data {
		switch {
		case c.Count < 1:
			return GammaGammaFit{}, fmt.Errorf("fit gamma-gamma: spend row %d: count = %d must be at least 1: %w", i, c.Count, ErrInvalidData)
		case c.X < 0:
			return GammaGammaFit{}, fmt.Errorf("fit gamma-gamma: spend row %d: frequency x = %d is negative: %w", i, c.X, ErrInvalidData)
		case math.IsInf(c.MeanValue, 0):
			return GammaGammaFit{}, fmt.Errorf("fit gamma-gamma: spend row %d: mean value is infinite: %w", i, ErrInvalidData)
		case c.X < 1:
			fit.ExcludedNoRepeat += c.Count
		case !(c.MeanValue > 0):
			fit.ExcludedNonPositive += c.Count
		default:
			fit.Customers += c.Count
			sumZ += float64(c.Count) * c.MeanValue
		}
	}
	fit.FrequencyMonetaryCorrelation = FrequencyMonetaryCorrelation(data)
	if fit.Customers < o.MinCustomers {
		return fit, fmt.Errorf("fit gamma-gamma: %d customers with a repeat purchase and positive mean value, need %d: %w",
			fit.Customers, o.MinCustomers, ErrTooFewCustomers)
	}
	d := prepareGG(data)
	n := float64(fit.Customers)
	obj := func(theta, grad []float64) float64 {
		f := -d.total(theta, grad) / n
		for j, t := range theta {
			f += o.Penalty * t * t
			if grad != nil {
				grad[j] = -grad[j]/n + 2*o.Penalty*t
			}
		}
		return f
	}
	// Start at p = 1, q = 2 and v matching the observed mean: p v/(q-1) = mean.
	res := minimize(obj, []float64{0, 0, math.Log(sumZ / n)}, o)
	th := res.theta
	fit.Params = GammaGammaParams{P: math.Exp(th[0]), Q: 1 + math.Exp(th[1]), V: math.Exp(th[2])}
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
		return fit, fmt.Errorf("fit gamma-gamma: gradient norm %.3g > %.3g after %d iterations (%s): %w",
			fit.GradNorm, o.GradientTolerance, fit.Iterations, fit.Method, ErrNotConverged)
	}
	return fit, nil
}
