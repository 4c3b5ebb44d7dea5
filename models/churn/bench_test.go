package churn

import (
	"slices"
	"testing"
	"time"
)

// baseline times one run of f with the benchmark timer stopped; the
// benchmarks run it once per iteration beside the code they time, so the
// ratio of the two means something on a machine whose load changes.
func baseline(b *testing.B, f func()) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	start := time.Now()
	f()
	return time.Since(start)
}

// BenchmarkFit500k trains on 500,000 rows (the default training cap) of
// 39 features (as many as the churn model has) and reports the time as a
// multiple of one single-goroutine pass of Model.Predict over the rows
// ("x_predict_pass").
func BenchmarkFit500k(b *testing.B) {
	names, x, y := simulateWide(1, 500_000, 39)
	var m *Model
	var base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m != nil {
			base += baseline(b, func() {
				for _, row := range x {
					m.Predict(row)
				}
			})
		}
		var err error
		if m, err = Fit(names, x, y, Options{L2: DefaultL2}); err != nil {
			b.Fatal(err)
		}
	}
	base += baseline(b, func() {
		for _, row := range x {
			m.Predict(row)
		}
	})
	b.ReportMetric(float64(m.Iterations), "iterations")
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x_predict_pass")
}

// BenchmarkValidation500k computes the validation figures the churn model
// records per candidate penalty (AUC, log loss, Brier score, top-decile
// lift and calibration by decile) on 500,000 rows, and reports the time
// as a multiple of sorting a copy of the scores ("x_sort").
func BenchmarkValidation500k(b *testing.B) {
	names, x, y := simulateWide(2, 500_000, 39)
	m, err := Fit(names, x[:50_000], y[:50_000], Options{L2: DefaultL2})
	if err != nil {
		b.Fatal(err)
	}
	p := make([]float64, len(x))
	for i, row := range x {
		p[i] = m.Predict(row)
	}
	var base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base += baseline(b, func() { slices.Sort(slices.Clone(p)) })
		if _, err := AUC(p, y); err != nil {
			b.Fatal(err)
		}
		if _, err := LogLoss(p, y); err != nil {
			b.Fatal(err)
		}
		if _, err := Brier(p, y); err != nil {
			b.Fatal(err)
		}
		if _, err := LiftTopDecile(p, y); err != nil {
			b.Fatal(err)
		}
		if _, err := CalibrationByDecile(p, y); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x_sort")
}
