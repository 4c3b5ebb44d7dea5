package clv

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestGammaGammaAgainstNumericIntegration integrates over nu ~ Gamma(q, v)
// numerically: zbar given nu is the mean of x Gamma(p, nu) values, so
// zbar ~ Gamma(px, x nu), and the posterior mean spend is E[p/nu | zbar].
// 400 smoothed Gauss-Legendre nodes on the quantile scale; the reference
// is also computed with 800 and the two must agree to 1e-9.
func TestGammaGammaAgainstNumericIntegration(t *testing.T) {
	params := []GammaGammaParams{{P: 6.25, Q: 3.74, V: 15.44}, {P: 0.8, Q: 1.5, V: 2}}
	cases := []struct {
		x    int
		zbar float64
	}{{1, 11.77}, {3, 40}, {12, 29.54}, {200, 5}}
	for _, g := range params {
		for _, c := range cases {
			ref := func(n int) (logF, cond float64) {
				u, w := smoothedNodes(n)
				nuDist := distuv.Gamma{Alpha: g.Q, Beta: g.V}
				var f, fm float64
				for i := range u {
					nu := nuDist.Quantile(u[i])
					dens := distuv.Gamma{Alpha: g.P * float64(c.x), Beta: float64(c.x) * nu}.Prob(c.zbar)
					f += w[i] * dens
					fm += w[i] * dens * g.P / nu
				}
				return math.Log(f), fm / f
			}
			l1, c1 := ref(400)
			l2, c2 := ref(800)
			if !(math.Abs(l1-l2) <= 1e-9) || !(math.Abs(c1-c2) <= 1e-9*c2) {
				t.Fatalf("%+v x=%d: quadrature not converged", g, c.x)
			}
			if got := g.LogLikelihood(c.x, c.zbar); !(math.Abs(got-l2) <= 1e-8) {
				t.Errorf("%+v x=%d zbar=%g: log f = %.12g, numeric %.12g", g, c.x, c.zbar, got, l2)
			}
			if got := g.ConditionalExpectedValue(c.x, c.zbar); !(math.Abs(got-c2) <= 1e-8*c2) {
				t.Errorf("%+v x=%d zbar=%g: E[M] = %.12g, numeric %.12g", g, c.x, c.zbar, got, c2)
			}
		}
	}
}

func TestGammaGammaDomain(t *testing.T) {
	g := GammaGammaParams{P: 2, Q: 3, V: 10}
	// x = 0 or a refund-only customer gets the population mean p v / (q-1) = 10.
	for _, c := range []SpendCustomer{{X: 0, MeanValue: 0}, {X: 2, MeanValue: -3}} {
		if got := g.ConditionalExpectedValue(c.X, c.MeanValue); got != 10 {
			t.Errorf("E[M | x=%d, zbar=%g] = %g, want population mean 10", c.X, c.MeanValue, got)
		}
	}
	// Large x: the customer's own mean dominates.
	if got := g.ConditionalExpectedValue(1_000_000, 25); !(math.Abs(got-25) <= 1e-4) {
		t.Errorf("E[M | x=1e6, zbar=25] = %g, want ~25", got)
	}
	for _, bad := range []GammaGammaParams{{P: 2, Q: 1, V: 10}, {P: 0, Q: 3, V: 1}, {P: 1, Q: 3, V: math.Inf(1)}} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidParams", bad, err)
		}
		if !math.IsNaN(bad.ConditionalExpectedValue(1, 1)) {
			t.Errorf("%+v: expected NaN", bad)
		}
	}
	if _, err := FitGammaGamma([]SpendCustomer{{X: 2, MeanValue: 5, Count: 3}}, FitOptions{}); !errors.Is(err, ErrTooFewCustomers) {
		t.Errorf("fit with 3 customers: err = %v, want ErrTooFewCustomers", err)
	}
	if _, err := FitGammaGamma([]SpendCustomer{{X: 2, MeanValue: 5, Count: 0}}, FitOptions{}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("fit with count 0: err = %v, want ErrInvalidData", err)
	}
}

// TestFrequencyMonetaryCorrelation checks the weighted Pearson correlation
// against hand-computed values and that excluded customers are ignored.
func TestFrequencyMonetaryCorrelation(t *testing.T) {
	tests := []struct {
		name string
		data []SpendCustomer
		want float64
	}{
		// y = 2x + 1: correlation 1; the x = 0 and refund rows are ignored.
		{"linear", []SpendCustomer{{1, 3, 1}, {2, 5, 1}, {3, 7, 1}, {0, 100, 9}, {5, -1, 4}}, 1},
		// (1,2),(2,1),(3,3): cov = 0.5, var x = 1, var y = 1 (n-1 cancels): 0.5.
		{"hand", []SpendCustomer{{1, 2, 1}, {2, 1, 1}, {3, 3, 1}}, 0.5},
		// Counts are weights: (1,1)x2 and (2,2) equals rows (1,1),(1,1),(2,2): 1.
		{"weights", []SpendCustomer{{1, 1, 2}, {2, 2, 1}}, 1},
		// Decreasing: -1.
		{"negative", []SpendCustomer{{1, 9, 1}, {2, 6, 1}, {4, 0.5, 0}, {3, 3, 1}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FrequencyMonetaryCorrelation(tt.data); !(math.Abs(got-tt.want) <= 1e-12) {
				t.Errorf("correlation = %.15g, want %g", got, tt.want)
			}
		})
	}
	if got := FrequencyMonetaryCorrelation([]SpendCustomer{{2, 5, 10}}); !math.IsNaN(got) {
		t.Errorf("constant data: correlation = %g, want NaN", got)
	}
}

// TestGammaGammaGradient checks the likelihood pass of the spend fit on
// a few rows (x from 1 to 250) and on 40000 simulated customers (several
// parallel pieces): its value must equal the sum of the exported
// LogLikelihood to 1e-12 relative and its analytic gradient in
// (log p, log(q-1), log v) must match central differences
// (gonum/diff/fd, step 1e-4 as in TestBGNBDGradient) to 1e-6 relative.
func TestGammaGammaGradient(t *testing.T) {
	sets := map[string][]SpendCustomer{
		"hand-picked": {{X: 1, MeanValue: 12, Count: 1}, {X: 1, MeanValue: 30, Count: 2}, {X: 4, MeanValue: 8, Count: 3},
			{X: 250, MeanValue: 41, Count: 4}, {X: 0, MeanValue: 0, Count: 5}},
		"simulated 40000": simulateSpend(9, GammaGammaParams{P: 6, Q: 4, V: 15}, 40000),
	}
	thetas := [][]float64{{math.Log(3), math.Log(1.5), math.Log(20)}, {math.Log(0.5), math.Log(8), math.Log(2)}}
	for name, data := range sets {
		d := prepareGG(data)
		for _, theta := range thetas {
			grad := make([]float64, 3)
			ll := d.total(theta, grad)
			g := GammaGammaParams{P: math.Exp(theta[0]), Q: 1 + math.Exp(theta[1]), V: math.Exp(theta[2])}
			want := 0.0
			for _, c := range data {
				if c.included() {
					want += float64(c.Count) * g.LogLikelihood(c.X, c.MeanValue)
				}
			}
			if !(math.Abs(ll-want) <= 1e-12*math.Abs(want)) {
				t.Errorf("%s at %+v: total = %.15g, sum of LogLikelihood %.15g", name, g, ll, want)
			}
			num := fd.Gradient(nil, func(th []float64) float64 { return d.total(th, nil) }, theta,
				&fd.Settings{Formula: fd.Central, Step: 1e-4})
			for j := range theta {
				if !(math.Abs(num[j]-grad[j]) <= 1e-6*math.Max(1, math.Abs(num[j]))) {
					t.Errorf("%s at %+v: d LL / d theta_%d = %.10g, numeric %.10g", name, g, j, grad[j], num[j])
				}
			}
		}
	}
}
