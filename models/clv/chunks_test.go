package clv

import (
	"github.com/memberlytics/memberlytics/models/internal/pieces"
	"math"
	"reflect"
	"runtime"
	"testing"
)

// TestLikelihoodPassesSameBitsOnAnyCores runs the parallel likelihood
// passes with one, two and five goroutines: the pieces and the order of
// their sums are fixed by the data, so value and gradient must be
// bit-identical.
func TestLikelihoodPassesSameBitsOnAnyCores(t *testing.T) {
	bg := prepareBGNBD(simulateDayTuples(7, 40000))
	gg := prepareGG(simulateSpend(9, GammaGammaParams{P: 6, Q: 4, V: 15}, 40000))
	if len(bg.rows) <= 2*pieces.Size || len(gg.rows) <= 2*pieces.Size {
		t.Fatalf("%d and %d rows: want several pieces of %d", len(bg.rows), len(gg.rows), pieces.Size)
	}
	pass := func() []float64 {
		g1, g2 := make([]float64, 4), make([]float64, 3)
		v1 := bg.total([]float64{math.Log(0.6), math.Log(6), math.Log(0.9), math.Log(3.5)}, g1)
		v2 := gg.total([]float64{math.Log(6), math.Log(3), math.Log(15)}, g2)
		return append(append([]float64{v1, v2}, g1...), g2...)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := pass()
	for _, procs := range []int{2, 5} {
		runtime.GOMAXPROCS(procs)
		if got := pass(); !reflect.DeepEqual(got, want) {
			t.Errorf("GOMAXPROCS %d: %v, with 1: %v", procs, got, want)
		}
	}
}

// TestOrderByX checks the counting sort against the order a stable sort
// gives, with repeated, unsorted and large values.
func TestOrderByX(t *testing.T) {
	xs := []int{5, 0, 3, 5, 1 << 40, 0, 3, 2, 5, 1}
	got := orderByX(len(xs), func(i int) int { return xs[i] })
	want := []int{1, 5, 9, 7, 2, 6, 0, 3, 8, 4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("orderByX(%v) = %v, want %v", xs, got, want)
	}
	if got := orderByX(0, func(int) int { return 0 }); len(got) != 0 {
		t.Errorf("orderByX of nothing = %v", got)
	}
}
