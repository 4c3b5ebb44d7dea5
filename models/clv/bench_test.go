package clv

import (
	"math/rand/v2"
	"testing"
)

// benchTuples simulates customers (in days, ages up to three years) until
// there are n distinct (x, t_x, T) tuples.
func benchTuples(n int) []Customer {
	rng := rand.New(rand.NewPCG(42, 42))
	truth := BGNBDParams{R: 0.6, Alpha: 40, A: 0.9, B: 3.5}
	var out []Customer
	for len(out) < n {
		out = append(out, group(simulateBGNBD(rng, truth, n, 1, 1095))...)
	}
	return out[:n]
}

// BenchmarkFitBGNBD100k fits BG/NBD to 100,000 distinct tuples.
func BenchmarkFitBGNBD100k(b *testing.B) {
	data := benchTuples(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fit, err := FitBGNBD(data, FitOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fit.Iterations), "iterations")
	}
}

// BenchmarkValue scores one customer: P(alive), E[Y(365 days)] and CLV with
// monthly discounting (12 evaluations of the conditional expectation).
func BenchmarkValue(b *testing.B) {
	m := BGNBDParams{R: 0.6, Alpha: 40, A: 0.9, B: 3.5}
	spec, _ := CLVSpec{Unit: Day, AnnualDiscountRate: 0.1}.WithDefaults()
	for i := 0; i < b.N; i++ {
		spec.Value(m, i%50, float64(i%50)*7, 400, 30)
	}
}
