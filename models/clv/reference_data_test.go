package clv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// simulateDayTuples draws members from BG/NBD in days (alpha 40 days, ages
// uniform on 1..730 days, as the two years of generated bench data), keeps
// whole days as the tuples query does (t_x rounded down), groups them into
// distinct tuples and converts them to weeks, the default time unit.
func simulateDayTuples(seed uint64, members int) []Customer {
	rng := rand.New(rand.NewPCG(seed, 2026))
	cs := simulateBGNBD(rng, BGNBDParams{R: 0.6, Alpha: 40, A: 0.9, B: 3.5}, members, 1, 730)
	for i := range cs {
		cs[i].tx = math.Floor(cs[i].tx)
	}
	out := group(cs)
	for i := range out {
		out[i].TX /= 7
		out[i].T /= 7
	}
	return out
}

// referenceBGNBD are the BG/NBD data sets whose fits are pinned in
// fitReferenceBGNBD.
func referenceBGNBD(t testing.TB) []struct {
	name string
	data []Customer
	opts FitOptions
} {
	cdnow := cdnowTuples(readCDNOW(t))
	truth := BGNBDParams{R: 0.6, Alpha: 8, A: 0.9, B: 3.5}
	return []struct {
		name string
		data []Customer
		opts FitOptions
	}{
		{"cdnow", cdnow, FitOptions{}},
		{"cdnow penalty 0.01", cdnow, FitOptions{Penalty: 0.01}},
		{"recovery seed 1", group(simulateBGNBD(rand.New(rand.NewPCG(1, 99)), truth, 30000, 20, 104)), FitOptions{}},
		{"recovery seed 2", group(simulateBGNBD(rand.New(rand.NewPCG(2, 99)), truth, 30000, 20, 104)), FitOptions{}},
		{"days 40000 members", simulateDayTuples(7, 40000), FitOptions{}},
	}
}

// referenceGammaGamma are the spend data sets pinned in
// fitReferenceGammaGamma.
func referenceGammaGamma(t testing.TB) []struct {
	name string
	data []SpendCustomer
} {
	rows := readCDNOW(t)
	cdnow := make([]SpendCustomer, 0, len(rows))
	for _, r := range rows {
		cdnow = append(cdnow, SpendCustomer{X: r.x, MeanValue: r.z, Count: 1})
	}
	truth := GammaGammaParams{P: 6, Q: 4, V: 15}
	return []struct {
		name string
		data []SpendCustomer
	}{
		{"cdnow", cdnow},
		{"recovery seed 3", simulateSpend(3, truth, 20000)},
		{"recovery seed 4", simulateSpend(4, truth, 20000)},
	}
}

// benchTuples249k simulates members in days (simulateDayTuples) until
// there are 249,000 distinct tuples, the count of the 1M-member bench
// data, and returns the first 249,000.
func benchTuples249k() []Customer {
	const n = 249_000
	for members := 500_000; ; members += 100_000 {
		if d := simulateDayTuples(42, members); len(d) >= n {
			return d[:n]
		}
	}
}

// benchSpend249k is 249,000 spend rows with the recovery test's truth.
func benchSpend249k() []SpendCustomer {
	return simulateSpend(42, GammaGammaParams{P: 6, Q: 4, V: 15}, 249_000)
}
