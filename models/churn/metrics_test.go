package churn

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

func TestAUCHandWorked(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		// positives {0.35, 0.8} vs negatives {0.1, 0.4}: 3 of 4 pairs ordered.
		{"pairs", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		// positives {0.5, 0.9} vs negatives {0.5, 0.2}: the 0.5-0.5 tie counts 1/2: 3.5/4.
		{"tie", []float64{0.5, 0.5, 0.2, 0.9}, []bool{true, false, false, true}, 0.875},
		{"perfect", []float64{0.1, 0.2, 0.3, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.9, 0.8, 0.3, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{2, 2, 2, 2, 2}, []bool{true, false, true, false, false}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AUC(tt.scores, tt.labels)
			if err != nil || !(math.Abs(got-tt.want) <= 1e-15) {
				t.Errorf("AUC = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := AUC([]float64{1, 2}, []bool{true, true}); !errors.Is(err, ErrSingleClass) {
		t.Errorf("single class: err = %v", err)
	}
	if _, err := AUC([]float64{1, math.NaN()}, []bool{true, false}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("NaN: err = %v", err)
	}
}

// TestAUCAgainstPairCounting compares AUC with the O(n^2) definition on
// data with many ties (scores on a grid of 7 values, 0 half of the time
// as -0). Both count halves exactly, so they must agree to the bit.
func TestAUCAgainstPairCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	s := make([]float64, 500)
	y := make([]bool, 500)
	for i := range s {
		s[i] = float64(rng.IntN(7))
		y[i] = rng.Float64() < 0.2+0.08*s[i]
		if s[i] == 0 && i%2 == 0 {
			s[i] = math.Copysign(0, -1)
		}
	}
	var num, den float64
	for i := range s {
		for j := range s {
			if y[i] && !y[j] {
				den++
				switch {
				case s[i] > s[j]:
					num++
				case s[i] == s[j]:
					num += 0.5
				}
			}
		}
	}
	got, err := AUC(s, y)
	if err != nil || got != num/den {
		t.Errorf("AUC = %v, %v; pair counting %v", got, err, num/den)
	}
}

// TestAUCRandomScorer: scores independent of labels have AUC 0.5 with
// standard error sqrt((n1+n2+1)/(12 n1 n2)) (the Mann-Whitney null); it
// must be within 4 of them.
func TestAUCRandomScorer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 20000
	s := make([]float64, n)
	y := make([]bool, n)
	n1 := 0
	for i := range s {
		s[i] = rng.Float64()
		y[i] = rng.Float64() < 0.3
		if y[i] {
			n1++
		}
	}
	n2 := n - n1
	se := math.Sqrt(float64(n1+n2+1) / (12 * float64(n1) * float64(n2)))
	got, err := AUC(s, y)
	if err != nil || !(math.Abs(got-0.5) <= 4*se) {
		t.Errorf("random AUC = %v, %v; want 0.5 +- %.4f", got, err, 4*se)
	}
}

func TestLogLossBrier(t *testing.T) {
	p := []float64{0.9, 0.2, 0.5}
	y := []bool{true, false, true}
	// -(ln 0.9 + ln 0.8 + ln 0.5)/3 and ((0.1)^2 + 0.2^2 + 0.5^2)/3 = 0.1.
	wantLL := -(math.Log(0.9) + math.Log(0.8) + math.Log(0.5)) / 3
	if got, err := LogLoss(p, y); err != nil || !(math.Abs(got-wantLL) <= 1e-15) {
		t.Errorf("LogLoss = %v, %v; want %v", got, err, wantLL)
	}
	if got, err := Brier(p, y); err != nil || !(math.Abs(got-0.1) <= 1e-15) {
		t.Errorf("Brier = %v, %v; want 0.1", got, err)
	}
	// A certain mistake is clipped, not infinite: -ln(1e-15) = 34.54.
	if got, _ := LogLoss([]float64{0}, []bool{true}); !(math.Abs(got-34.538776394910684) <= 1e-9) {
		t.Errorf("LogLoss of a certain mistake = %v, want -ln(1e-15)", got)
	}
	if _, err := LogLoss([]float64{1.2}, []bool{true}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("probability 1.2: err = %v", err)
	}
}

func TestLiftTopDecile(t *testing.T) {
	// 20 rows, 5 positives (rate 0.25). The top decile is the 2 highest
	// scores: both positive, so lift = (2/2)/0.25 = 4.
	s := make([]float64, 20)
	y := make([]bool, 20)
	for i := range s {
		s[i] = float64(i)
	}
	for _, i := range []int{19, 18, 3, 7, 11} {
		y[i] = true
	}
	if got, err := LiftTopDecile(s, y); err != nil || got != 4 {
		t.Errorf("lift = %v, %v; want 4", got, err)
	}
	// 25 rows: top decile is ceil(2.5) = 3 rows, one positive of 5: (1/3)/(5/25) = 5/3.
	s2 := make([]float64, 25)
	y2 := make([]bool, 25)
	for i := range s2 {
		s2[i] = float64(i)
	}
	for _, i := range []int{24, 1, 2, 3, 4} {
		y2[i] = true
	}
	if got, err := LiftTopDecile(s2, y2); err != nil || !(math.Abs(got-5.0/3) <= 1e-15) {
		t.Errorf("lift = %v, %v; want 5/3", got, err)
	}
}

func TestCalibrationByDecile(t *testing.T) {
	// 20 rows with p = 0.025, 0.075, ..., 0.975 given in descending order;
	// the i-th smallest is positive when i is odd, so each decile (two rows)
	// has one positive.
	n := 20
	p := make([]float64, n)
	y := make([]bool, n)
	for r := 0; r < n; r++ {
		i := n - 1 - r // ascending index
		p[r] = 0.025 + 0.05*float64(i)
		y[r] = i%2 == 1
	}
	bins, err := CalibrationByDecile(p, y)
	if err != nil || len(bins) != 10 {
		t.Fatalf("bins = %v, %v", bins, err)
	}
	for k, b := range bins {
		// Decile k+1 holds ascending rows 2k and 2k+1: p = 0.025+0.1k and 0.075+0.1k.
		want := CalibrationBin{Decile: k + 1, MeanPredicted: 0.05 + 0.1*float64(k), ObservedRate: 0.5, Count: 2}
		if b.Decile != want.Decile || b.Count != want.Count || b.ObservedRate != want.ObservedRate ||
			math.Abs(b.MeanPredicted-want.MeanPredicted) > 1e-12 {
			t.Errorf("bin %d = %+v, want %+v", k, b, want)
		}
	}
	// 3 rows: only deciles 1, 4 and 7 are non-empty (floor(10 r / 3)).
	bins, err = CalibrationByDecile([]float64{0.9, 0.1, 0.5}, []bool{true, false, false})
	if err != nil || len(bins) != 3 || bins[0].Decile != 1 || bins[1].Decile != 4 || bins[2].Decile != 7 ||
		bins[0].MeanPredicted != 0.1 || bins[2].ObservedRate != 1 {
		t.Errorf("3-row table = %+v, %v", bins, err)
	}
}

// TestFittedModelCalibrated: a model fitted on data from a logistic model
// is calibrated in every decile of an independent sample (each of 2000
// rows: binomial sd <= sqrt(0.25/2000) = 0.011, allow 4 sd = 0.045), and
// its AUC beats a scorer that uses only one feature.
func TestFittedModelCalibrated(t *testing.T) {
	truth := []float64{-3, 0.8, -1.5, 0.01}
	rng := rand.New(rand.NewPCG(21, 22))
	xTrain, yTrain := simulate(rng, 20000, truth)
	xTest, yTest := simulate(rng, 20000, truth)
	m, err := Fit(features, xTrain, yTrain, Options{L2: DefaultL2})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, len(xTest))
	one := make([]float64, len(xTest))
	for i, row := range xTest {
		p[i] = m.Predict(row)
		one[i] = row[0]
	}
	bins, err := CalibrationByDecile(p, yTest)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bins {
		if !(math.Abs(b.MeanPredicted-b.ObservedRate) <= 0.045) {
			t.Errorf("decile %d: predicted %.3f, observed %.3f", b.Decile, b.MeanPredicted, b.ObservedRate)
		}
	}
	aucModel, _ := AUC(p, yTest)
	aucOne, _ := AUC(one, yTest)
	if !(aucModel > aucOne+0.02) {
		t.Errorf("model AUC %.3f does not beat one-feature AUC %.3f", aucModel, aucOne)
	}
	t.Logf("AUC model %.4f, one feature %.4f", aucModel, aucOne)
}

// TestByScoreDescStable checks the pair sort behind LiftTopDecile and
// CalibrationByDecile against a stable sort on scores with many ties
// (including -0 and +0, which compare equal).
func TestByScoreDescStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	s := make([]float64, 5000)
	for i := range s {
		s[i] = math.Round(rng.Float64()*20) / 20
		if s[i] == 0 && i%2 == 0 {
			s[i] = math.Copysign(0, -1)
		}
	}
	want := make([]int, len(s))
	for i := range want {
		want[i] = i
	}
	sort.SliceStable(want, func(a, b int) bool { return s[want[a]] > s[want[b]] })
	if got := byScoreDesc(s); !reflect.DeepEqual(got, want) {
		t.Errorf("byScoreDesc differs from a stable sort by descending score")
	}
}
