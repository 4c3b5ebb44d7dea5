package churn

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// checkScores validates parallel score and label slices.
func checkScores(what string, s []float64, y []bool, probs bool) error {
	if len(s) == 0 || len(s) != len(y) {
		return fmt.Errorf("%s: %d scores and %d labels: %w", what, len(s), len(y), ErrInvalidData)
	}
	for i, v := range s {
		if math.IsNaN(v) || math.IsInf(v, 0) || (probs && (v < 0 || v > 1)) {
			return fmt.Errorf("%s: score %d = %g: %w", what, i, v, ErrInvalidData)
		}
	}
	return nil
}

// AUC returns the area under the ROC curve of scores for labels (true =
// positive), computed from ranks (the Mann-Whitney U statistic):
//
//	AUC = (R_pos - n_pos (n_pos+1)/2) / (n_pos n_neg),
//
// R_pos the sum of the ranks of the positives in ascending score order,
// with tied scores given their mid-rank, so a tie between a positive and a
// negative counts one half. It is the probability that a random positive
// scores above a random negative. O(n log n); the result is exact up to
// the final division. Errors wrap ErrInvalidData
// (lengths, NaN) or ErrSingleClass.
func AUC(scores []float64, labels []bool) (float64, error) {
	if err := checkScores("auc", scores, labels, false); err != nil {
		return 0, err
	}
	// The positives' and the negatives' scores sorted apart (a sort of
	// plain floats is the fastest there is), then merged: twice the U
	// statistic, sum over positives of 2 #(negatives below) + #(tied),
	// is an integer, so the result is exactly R_pos - n_pos (n_pos+1)/2
	// over n_pos n_neg.
	var pos, neg []float64
	for i, v := range scores {
		if labels[i] {
			pos = append(pos, v)
		} else {
			neg = append(neg, v)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return 0, fmt.Errorf("auc: %d positives and %d negatives: %w", len(pos), len(neg), ErrSingleClass)
	}
	slices.Sort(pos)
	slices.Sort(neg)
	var twiceU int64
	below, tied := 0, 0 // negatives below and equal to pos[i]
	for i, v := range pos {
		if i == 0 || v != pos[i-1] {
			below += tied
			for below < len(neg) && neg[below] < v {
				below++
			}
			tied = 0
			for below+tied < len(neg) && neg[below+tied] == v {
				tied++
			}
		}
		twiceU += int64(2*below + tied)
	}
	return float64(twiceU) / 2 / (float64(len(pos)) * float64(len(neg))), nil
}

// LogLossEpsilon clips probabilities to [eps, 1-eps] in LogLoss so that a
// confident mistake costs about 34.5 nats instead of infinity.
const LogLossEpsilon = 1e-15

// LogLoss returns the mean negative log-likelihood
// -(1/n) sum_i [y_i log p_i + (1-y_i) log(1-p_i)], with p clipped by
// LogLossEpsilon. Probabilities must lie in [0, 1].
func LogLoss(p []float64, y []bool) (float64, error) {
	if err := checkScores("log loss", p, y, true); err != nil {
		return 0, err
	}
	s := 0.0
	for i, v := range p {
		v = math.Min(math.Max(v, LogLossEpsilon), 1-LogLossEpsilon)
		if y[i] {
			s -= math.Log(v)
		} else {
			s -= math.Log1p(-v)
		}
	}
	return s / float64(len(p)), nil
}

// Brier returns the Brier score (1/n) sum_i (p_i - y_i)^2.
func Brier(p []float64, y []bool) (float64, error) {
	if err := checkScores("brier score", p, y, true); err != nil {
		return 0, err
	}
	s := 0.0
	for i, v := range p {
		d := v
		if y[i] {
			d = v - 1
		}
		s += d * d
	}
	return s / float64(len(p)), nil
}

// byScoreDesc returns row indices sorted by descending score, ties in row
// order, so that decile boundaries are deterministic.
func byScoreDesc(s []float64) []int {
	// Sorting (score, row) pairs with the row as tie-breaker gives the
	// stable order with an unstable sort, which is several times faster.
	type scored struct {
		s float64
		i int
	}
	rows := make([]scored, len(s))
	for i, v := range s {
		rows[i] = scored{v, i}
	}
	slices.SortFunc(rows, func(a, b scored) int {
		if a.s != b.s { // scores are not NaN (checkScores)
			return cmp.Compare(b.s, a.s)
		}
		return cmp.Compare(a.i, b.i)
	})
	idx := make([]int, len(s))
	for k, r := range rows {
		idx[k] = r.i
	}
	return idx
}

// LiftTopDecile returns the positive rate among the ceil(n/10) rows with
// the highest scores divided by the overall positive rate (1 = no better
// than random; at most 10). Rows tied at the boundary are taken in row
// order. Errors wrap ErrInvalidData or ErrSingleClass (no positives).
func LiftTopDecile(scores []float64, labels []bool) (float64, error) {
	if err := checkScores("lift", scores, labels, false); err != nil {
		return 0, err
	}
	n := len(scores)
	top := (n + 9) / 10
	all, hit := 0, 0
	for i, k := range byScoreDesc(scores) {
		if labels[k] {
			all++
			if i < top {
				hit++
			}
		}
	}
	if all == 0 {
		return 0, fmt.Errorf("lift: no positives: %w", ErrSingleClass)
	}
	return (float64(hit) / float64(top)) / (float64(all) / float64(n)), nil
}

// CalibrationBin is one row of a calibration table.
type CalibrationBin struct {
	// Decile is 1 for the lowest predicted probabilities, 10 for the highest.
	Decile        int
	MeanPredicted float64
	ObservedRate  float64
	Count         int
}

// CalibrationByDecile sorts rows by predicted probability and cuts them
// into ten groups of equal size (row i of the ascending order goes to
// group floor(10 i / n); sizes differ by at most one), returning for each
// non-empty group the mean prediction, the observed positive rate and the
// count. A calibrated model has MeanPredicted ~ ObservedRate in every bin.
// Ties are broken by row index, so the table is deterministic.
func CalibrationByDecile(p []float64, y []bool) ([]CalibrationBin, error) {
	if err := checkScores("calibration", p, y, true); err != nil {
		return nil, err
	}
	n := len(p)
	desc := byScoreDesc(p)
	bins := make([]CalibrationBin, 10)
	for i := range bins {
		bins[i].Decile = i + 1
	}
	for r := 0; r < n; r++ {
		k := desc[n-1-r] // ascending order
		b := &bins[10*r/n]
		b.Count++
		b.MeanPredicted += p[k]
		if y[k] {
			b.ObservedRate++
		}
	}
	out := bins[:0]
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		b.MeanPredicted /= float64(b.Count)
		b.ObservedRate /= float64(b.Count)
		out = append(out, b)
	}
	return out, nil
}
