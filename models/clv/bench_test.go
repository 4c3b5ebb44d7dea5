package clv

import (
	"testing"
	"time"
)

// baseline times one run of f with the benchmark timer stopped. The
// benchmarks run it once per iteration, next to the code they time, so
// that the ratio of the two stays meaningful on a machine whose load
// changes during the run.
func baseline(b *testing.B, f func()) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	start := time.Now()
	f()
	return time.Since(start)
}

// BenchmarkFitBGNBD249k fits BG/NBD to 249,000 distinct tuples, the count
// of the 1M-member bench data (benchTuples249k). It reports the fit's time
// as a multiple of one plain single-goroutine pass of
// BGNBDParams.TotalLogLikelihood over the same tuples ("x_loglik_pass"),
// timed in every iteration beside the fit.
func BenchmarkFitBGNBD249k(b *testing.B) {
	data := benchTuples249k()
	m := BGNBDParams{R: 0.6, Alpha: 6, A: 0.9, B: 3.5}
	b.ResetTimer()
	var fit BGNBDFit
	var base time.Duration
	for i := 0; i < b.N; i++ {
		base += baseline(b, func() { m.TotalLogLikelihood(data) })
		var err error
		if fit, err = FitBGNBD(data, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fit.Iterations), "iterations")
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x_loglik_pass")
}

// BenchmarkFitGammaGamma249k fits Gamma-Gamma to 249,000 spend rows and
// reports the time as a multiple of one pass of
// GammaGammaParams.LogLikelihood over them.
func BenchmarkFitGammaGamma249k(b *testing.B) {
	data := benchSpend249k()
	g := GammaGammaParams{P: 6, Q: 4, V: 15}
	pass := func() {
		s := 0.0
		for _, c := range data {
			if c.included() {
				s += float64(c.Count) * g.LogLikelihood(c.X, c.MeanValue)
			}
		}
	}
	b.ResetTimer()
	var fit GammaGammaFit
	var base time.Duration
	for i := 0; i < b.N; i++ {
		base += baseline(b, pass)
		var err error
		if fit, err = FitGammaGamma(data, FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fit.Iterations), "iterations")
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x_loglik_pass")
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
