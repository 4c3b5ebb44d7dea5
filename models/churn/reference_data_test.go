package churn

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// simulateWide draws n rows of p features shaped like the churn model's:
// counts, skewed amounts and a few correlated columns on different
// scales, with labels from a logistic model with about 20% positives.
func simulateWide(seed uint64, n, p int) (names []string, x [][]float64, y []bool) {
	rng := rand.New(rand.NewPCG(seed, 77))
	names = make([]string, p)
	coef := make([]float64, p)
	for j := range names {
		names[j] = "f" + strconv.Itoa(j)
		coef[j] = rng.NormFloat64() * 0.3
	}
	x = make([][]float64, n)
	y = make([]bool, n)
	for i := range x {
		row := make([]float64, p)
		base := rng.NormFloat64()
		eta := -1.5
		for j := range row {
			switch j % 4 {
			case 0: // a count
				row[j] = float64(rng.IntN(20))
			case 1: // a skewed amount
				row[j] = 50 * math.Exp(rng.NormFloat64())
			case 2: // correlated with a shared factor
				row[j] = base + 0.3*rng.NormFloat64()
			default:
				row[j] = rng.NormFloat64()
			}
			z := row[j]
			switch j % 4 {
			case 0:
				z = (z - 9.5) / 5.8
			case 1:
				z = math.Log(z/50) / 1
			}
			eta += coef[j] * z
		}
		x[i] = row
		y[i] = rng.Float64() < 1/(1+math.Exp(-eta))
	}
	return names, x, y
}
