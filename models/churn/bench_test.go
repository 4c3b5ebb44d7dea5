package churn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkFit500k trains on 500,000 rows (the default training cap) of 20
// features.
func BenchmarkFit500k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, p = 500_000, 20
	names := make([]string, p)
	coef := make([]float64, p)
	for j := range names {
		names[j] = string(rune('a' + j))
		coef[j] = rng.NormFloat64() * 0.3
	}
	x := make([][]float64, n)
	y := make([]bool, n)
	for i := range x {
		x[i] = make([]float64, p)
		eta := -2.0
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
			eta += coef[j] * x[i][j]
		}
		y[i] = rng.Float64() < sigmoid(eta)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := Fit(names, x, y, Options{L2: DefaultL2})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Iterations), "iterations")
	}
}
