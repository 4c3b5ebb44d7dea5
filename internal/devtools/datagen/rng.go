package datagen

import (
	"math"
	"math/rand/v2"
)

// Streams of random numbers per member. Each concern draws from its own
// stream so that changing, say, the refund share leaves the purchase
// times and amounts of every member untouched.
const (
	streamProfile   = 1 // join time, attributes, lambda, p, purchase times
	streamSpend     = 2 // nu and order amounts, discounts, items, channels
	streamExtras    = 3 // refunded and cancelled extra orders
	streamEvents    = 4 // interaction events
	streamMetadata  = 5 // member attributes that no model depends on
	streamItems     = 6 // category preference and order lines
	streamCampaigns = 7 // campaign assignments and their extra orders
	streamReached   = 8 // opens and clicks of the assigned campaigns
)

// splitmix64 is the SplitMix64 finaliser: a bijective mix of 64 bits.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rng is a PCG generator that is re-seeded per (seed, member, stream), so
// any member's rows can be generated alone, in any order, on any goroutine.
// An rng is not safe for concurrent use; each worker owns its own.
type rng struct {
	pcg rand.PCG
	*rand.Rand
}

func newRNG() *rng {
	g := &rng{}
	g.Rand = rand.New(&g.pcg)
	return g
}

// reset positions g at the start of the stream of one member.
func (g *rng) reset(seed, member, stream uint64) {
	g.pcg.Seed(splitmix64(seed^splitmix64(stream)), splitmix64(member^0x5851f42d4c957f2d*stream))
}

// exp returns an exponential variate with the given mean.
func (g *rng) exp(mean float64) float64 { return g.ExpFloat64() * mean }

// gamma returns a Gamma(shape, rate) variate (Marsaglia and Tsang 2000,
// with the u^(1/shape) boost for shape < 1).
func (g *rng) gamma(shape, rate float64) float64 {
	boost := 1.0
	if shape < 1 {
		boost = math.Pow(1-g.Float64(), 1/shape) // 1-U is in (0, 1]
		shape++
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := g.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := g.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return boost * d * v / rate
		}
	}
}

// beta returns a Beta(a, b) variate.
func (g *rng) beta(a, b float64) float64 {
	x := g.gamma(a, 1)
	y := g.gamma(b, 1)
	if x+y == 0 {
		// Both underflowed (tiny shapes): fall back to the mean.
		return a / (a + b)
	}
	return x / (x + y)
}

// poisson returns a Poisson variate with a small mean (Knuth's method; the
// callers keep mean below about 30).
func (g *rng) poisson(mean float64) int {
	l := math.Exp(-mean)
	k := 0
	for p := g.Float64(); p > l; p *= g.Float64() {
		k++
	}
	return k
}

// geometric returns a count >= 0 with the given mean.
func (g *rng) geometric(mean float64) int {
	if mean <= 0 {
		return 0
	}
	q := mean / (1 + mean) // P(continue)
	k := 0
	for g.Float64() < q {
		k++
	}
	return k
}

// pick returns an index drawn with the given cumulative weights (last = 1).
func (g *rng) pick(cum []float64) int {
	u := g.Float64()
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

// cumulative turns weights into cumulative shares ending at exactly 1.
func cumulative(w ...float64) []float64 {
	out := make([]float64, len(w))
	var sum float64
	for _, x := range w {
		sum += x
	}
	var acc float64
	for i, x := range w {
		acc += x
		out[i] = acc / sum
	}
	out[len(out)-1] = 1
	return out
}
