package churn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// churnGroup is one driver of a churn score: a feature, or a pair of
// correlated features (an event type's 30- and 90-day counts) whose
// contributions are summed before drivers are ranked, so that the two
// halves of one behaviour neither fill two driver slots nor cancel out
// by chance. a and b are 1-based feature positions (b = a, w = 0 for a
// single feature).
type churnGroup struct {
	a, b   int
	w      float64
	hi, lo string
}

// churnGroups returns the driver groups of churnFeatures.
func churnGroups() []churnGroup {
	var gs []churnGroup
	paired := map[int]bool{}
	for j, f := range churnFeatures {
		if paired[j] {
			continue
		}
		if t, ok := cutSuffix(f, "_30d"); ok {
			if k := slices.Index(churnFeatures, t+"_90d"); k >= 0 {
				paired[k] = true
				name := churnEventWords[t]
				if name == "" {
					name = t
				}
				gs = append(gs, churnGroup{a: j + 1, b: k + 1, w: 1,
					hi: "many " + name + " in the last 30 and 90 days", lo: "few " + name + " in the last 30 and 90 days"})
				continue
			}
		}
		hi, lo := churnWordsFor(f)
		gs = append(gs, churnGroup{a: j + 1, b: j + 1, hi: hi, lo: lo})
	}
	return gs
}

// l2Choice is one candidate penalty with its fit and out-of-time figures.
type l2Choice struct {
	L2         float64
	Model      *Model
	Validation ChurnValidation
}

// chooseL2 fits the training design once per candidate penalty and keeps
// the one with the lowest log loss on the validation rows (the first on
// ties). It returns every candidate's validation log loss too. A
// candidate whose fit fails is skipped; when every fit fails the last
// error is returned.
func chooseL2(train *Design, valid churnSet, candidates []float64) (best l2Choice, losses []float64, err error) {
	var errs []error
	for _, l2 := range candidates {
		model, ferr := train.Fit(Options{L2: l2})
		if ferr != nil {
			errs = append(errs, fmt.Errorf("l2 %g: %w", l2, ferr))
			losses = append(losses, math.NaN())
			continue
		}
		v, verr := validateChurn(model, valid)
		if verr != nil {
			return l2Choice{}, nil, fmt.Errorf("validation of l2 %g: %w", l2, verr)
		}
		losses = append(losses, v.LogLoss)
		if best.Model == nil || v.LogLoss < best.Validation.LogLoss {
			best = l2Choice{L2: l2, Model: model, Validation: v}
		}
	}
	if best.Model == nil {
		return best, losses, errors.Join(errs...)
	}
	return best, losses, nil
}

// l2Metric names the validation log loss of candidate i.
func l2Metric(i int) string { return "l2_candidate_" + strconv.Itoa(i+1) + "_log_loss" }
