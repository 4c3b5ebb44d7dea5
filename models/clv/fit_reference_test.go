package clv

import (
	"math"
	"testing"
)

// The fits below were recorded with the fit code of commit 723b0ed (one
// goroutine, separate value and gradient passes), before the likelihood
// was split across cores and cached per distinct age. A faster fit must
// land on the same optimum: parameters to 1e-6 relative, the
// log-likelihood to 1e-9 relative and the standard errors (from a
// finite-difference Hessian) to 1e-4 relative.
var fitReferenceBGNBD = map[string]struct {
	params BGNBDParams
	ll     float64
	se     [4]float64
}{
	"cdnow":              {BGNBDParams{R: 0.24259383777549068, Alpha: 4.4135578204994754, A: 0.79289335274760386, B: 2.4257785791219955}, -9582.4255605713042, [4]float64{0.051762943317746543, 0.08569578429947837, 0.2342330767708786, 0.29077561297772775}},
	"cdnow penalty 0.01": {BGNBDParams{R: 0.23372151867456911, Alpha: 3.46010637462091, A: 0.66302685803502903, B: 1.5510673117371514}, -9591.0991303033752, [4]float64{0.051496527599243412, 0.09259630899715475, 0.19241132907950437, 0.2384986136929019}},
	"recovery seed 1":    {BGNBDParams{R: 0.58942536934899503, Alpha: 7.7342879584972755, A: 0.90811720235267546, B: 3.524716104971084}, -280745.51544037805, [4]float64{0.011365376309583813, 0.016334134033709195, 0.043150234108754647, 0.05610915443967928}},
	"recovery seed 2":    {BGNBDParams{R: 0.60604658181442328, Alpha: 8.199157577900543, A: 0.83297849475135266, B: 3.2060620105633824}, -281116.40619395976, [4]float64{0.011454593249752277, 0.016319230053126108, 0.041671518765028219, 0.054328497699587364}},
	"days 40000 members": {BGNBDParams{R: 0.59899317072404201, Alpha: 5.6316013368302507, A: 0.93434097899586566, B: 3.5600890336017508}, -361748.58234138065, [4]float64{0.0099203205355523714, 0.014288800699963519, 0.03342199929357384, 0.044135966827722875}},
	"bench 249k":         {BGNBDParams{R: 0.55659074538466502, Alpha: 5.4184961745561742, A: 0.85701124615498991, B: 3.1394073302070415}, -4043386.1310729668, [4]float64{0.0029300572467200144, 0.0042776146893088798, 0.0096932591916731366, 0.012911776861878501}},
}

var fitReferenceGammaGamma = map[string]struct {
	params GammaGammaParams
	ll     float64
	se     [3]float64
}{
	"cdnow":           {GammaGammaParams{P: 6.2488019850625625, Q: 3.7445885205374689, V: 15.447749536258987}, -4055.9232435028625, [3]float64{0.19038638059540675, 0.10572280881546642, 0.26929448954164698}},
	"recovery seed 3": {GammaGammaParams{P: 6.2404740951862436, Q: 3.9250463093686223, V: 14.081509776347172}, -81668.807473401597, [3]float64{0.067344718567702494, 0.020525101891857932, 0.081693789817743181}},
	"recovery seed 4": {GammaGammaParams{P: 6.1377665954780269, Q: 3.949188793056011, V: 14.410756679712732}, -81620.175726520582, [3]float64{0.068340524004550277, 0.021009322025857362, 0.08333097066609535}},
	"bench 249k":      {GammaGammaParams{P: 5.9679963840518333, Q: 4.0016613663209366, V: 15.055095393303892}, -1015272.7111304774, [3]float64{0.018979933271903827, 0.0059933092877151916, 0.023283598607128378}},
}

// relClose reports whether got is within tol of want, relative.
func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

// TestFitBGNBDMatchesReference fits the reference data sets and compares
// with the recorded fits. The 249k-tuple bench data are skipped with -short.
func TestFitBGNBDMatchesReference(t *testing.T) {
	sets := referenceBGNBD(t)
	if !testing.Short() {
		sets = append(sets, struct {
			name string
			data []Customer
			opts FitOptions
		}{"bench 249k", benchTuples249k(), FitOptions{}})
	}
	for _, d := range sets {
		t.Run(d.name, func(t *testing.T) {
			want, ok := fitReferenceBGNBD[d.name]
			if !ok {
				t.Fatalf("no reference fit for %q", d.name)
			}
			fit, err := FitBGNBD(d.data, d.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := [4]float64{fit.Params.R, fit.Params.Alpha, fit.Params.A, fit.Params.B}
			ref := [4]float64{want.params.R, want.params.Alpha, want.params.A, want.params.B}
			worst := 0.0
			for j, name := range []string{"r", "alpha", "a", "b"} {
				worst = max(worst, math.Abs(got[j]-ref[j])/ref[j])
				if !relClose(got[j], ref[j], 1e-6) {
					t.Errorf("%s = %.10g, recorded %.10g (relative %.2g)", name, got[j], ref[j], (got[j]-ref[j])/ref[j])
				}
				if !relClose(fit.StdErrLog[j], want.se[j], 1e-4) {
					t.Errorf("se(log %s) = %.8g, recorded %.8g", name, fit.StdErrLog[j], want.se[j])
				}
			}
			t.Logf("largest relative parameter difference %.2g, %d iterations", worst, fit.Iterations)
			if !relClose(fit.LogLikelihood, want.ll, 1e-9) {
				t.Errorf("log-likelihood = %.12g, recorded %.12g", fit.LogLikelihood, want.ll)
			}
		})
	}
}

// TestFitGammaGammaMatchesReference is TestFitBGNBDMatchesReference for
// the spend model.
func TestFitGammaGammaMatchesReference(t *testing.T) {
	sets := referenceGammaGamma(t)
	if !testing.Short() {
		sets = append(sets, struct {
			name string
			data []SpendCustomer
		}{"bench 249k", benchSpend249k()})
	}
	for _, d := range sets {
		t.Run(d.name, func(t *testing.T) {
			want, ok := fitReferenceGammaGamma[d.name]
			if !ok {
				t.Fatalf("no reference fit for %q", d.name)
			}
			fit, err := FitGammaGamma(d.data, FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := [3]float64{fit.Params.P, fit.Params.Q, fit.Params.V}
			ref := [3]float64{want.params.P, want.params.Q, want.params.V}
			worst := 0.0
			for j, name := range []string{"p", "q", "v"} {
				worst = max(worst, math.Abs(got[j]-ref[j])/ref[j])
				if !relClose(got[j], ref[j], 1e-6) {
					t.Errorf("%s = %.10g, recorded %.10g (relative %.2g)", name, got[j], ref[j], (got[j]-ref[j])/ref[j])
				}
				if !relClose(fit.StdErrLog[j], want.se[j], 1e-4) {
					t.Errorf("se %s = %.8g, recorded %.8g", name, fit.StdErrLog[j], want.se[j])
				}
			}
			t.Logf("largest relative parameter difference %.2g, %d iterations", worst, fit.Iterations)
			if !relClose(fit.LogLikelihood, want.ll, 1e-9) {
				t.Errorf("log-likelihood = %.12g, recorded %.12g", fit.LogLikelihood, want.ll)
			}
		})
	}
}
