package clv

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitBGNBDErrors(t *testing.T) {
	ok := []Customer{{X: 0, T: 10, Count: 5}, {X: 2, TX: 4, T: 10, Count: 20}}
	tests := []struct {
		name string
		data []Customer
		opts FitOptions
		want error
	}{
		{"negative x", []Customer{{X: -1, T: 3, Count: 1}}, FitOptions{}, ErrInvalidData},
		{"recency after T", []Customer{{X: 1, TX: 4, T: 3, Count: 1}}, FitOptions{}, ErrInvalidData},
		{"recency without repeat", []Customer{{X: 0, TX: 1, T: 3, Count: 1}}, FitOptions{}, ErrInvalidData},
		{"negative age", []Customer{{X: 0, T: -1, Count: 1}}, FitOptions{}, ErrInvalidData},
		{"infinite age", []Customer{{X: 0, T: math.Inf(1), Count: 1}}, FitOptions{}, ErrInvalidData},
		{"zero count", []Customer{{X: 1, TX: 1, T: 3, Count: 0}}, FitOptions{}, ErrInvalidData},
		{"no repeat buyers", []Customer{{X: 0, T: 10, Count: 1000}, {X: 1, TX: 2, T: 10, Count: 9}}, FitOptions{}, ErrTooFewCustomers},
		{"negative penalty", ok, FitOptions{Penalty: -1}, ErrInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FitBGNBD(tt.data, tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestFitBGNBDNotConverged starves the optimiser (one iteration per run):
// the fit must say so with ErrNotConverged and still return its last point.
func TestFitBGNBDNotConverged(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	data := group(simulateBGNBD(rng, BGNBDParams{R: 0.6, Alpha: 8, A: 0.9, B: 3.5}, 2000, 20, 104))
	fit, err := FitBGNBD(data, FitOptions{MaxIterations: 1})
	if !errors.Is(err, ErrNotConverged) {
		t.Fatalf("err = %v, want ErrNotConverged", err)
	}
	if fit.Converged || fit.Method != "lbfgs+neldermead+lbfgs" || !(fit.GradNorm > 1e-6) || fit.Params.Validate() != nil {
		t.Errorf("fit = %+v, want a non-converged fit with valid parameters from the fallback path", fit)
	}
}

// TestFitPenalty checks that the L2 penalty on log-parameters shrinks them:
// the penalised optimum has a smaller sum of squared log-parameters and a
// lower (unpenalised) likelihood than the MLE, and a huge penalty pulls all
// parameters to ~1.
func TestFitPenalty(t *testing.T) {
	rows := readCDNOW(t)
	data := cdnowTuples(rows)
	sq := func(m BGNBDParams) float64 {
		s := 0.0
		for _, v := range []float64{m.R, m.Alpha, m.A, m.B} {
			s += math.Log(v) * math.Log(v)
		}
		return s
	}
	mle, err := FitBGNBD(data, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pen, err := FitBGNBD(data, FitOptions{Penalty: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if !(sq(pen.Params) < sq(mle.Params) && pen.LogLikelihood < mle.LogLikelihood) {
		t.Errorf("penalised %+v (LL %.2f) not shrunk from MLE %+v (LL %.2f)", pen.Params, pen.LogLikelihood, mle.Params, mle.LogLikelihood)
	}
	huge, err := FitBGNBD(data, FitOptions{Penalty: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if sq(huge.Params) > 1e-6 {
		t.Errorf("penalty 1e6: %+v, want all parameters ~1", huge.Params)
	}
}
