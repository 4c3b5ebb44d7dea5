// Package figures holds the small conversions the models share when they
// report a run's figures to model_metrics and model_params.
package figures

import (
	"math"
	"strings"
)

// Bool01 is 1 for true and 0 for false.
func Bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Finite drops NaN and infinite values from m, which have no place in a
// metrics table (a correlation of constant data, for example), and
// returns m.
func Finite(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	return m
}

// MetricName turns a name (a tier level, a segment) into a snake_case
// metric suffix: lower-case letters and digits, anything else "_".
func MetricName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}
