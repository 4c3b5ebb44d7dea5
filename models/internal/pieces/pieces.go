// Package pieces runs a pass over n rows in fixed pieces on the machine's
// cores, for the predictive models' likelihoods and fits. The pieces are
// fixed by the data, not by the number of cores, and Sum adds their
// results in piece order, so a fit gives the same bits on any machine.
package pieces

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Size is the number of rows in one piece.
const Size = 8192

// For calls f(lo, hi, c) for the c-th range [lo, hi) of n rows in pieces
// of Size, on up to GOMAXPROCS goroutines, and returns when all have
// returned. f must only write what belongs to its piece.
func For(n int, f func(lo, hi, c int)) {
	chunks := (n + Size - 1) / Size
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for c := 0; c < chunks; c++ {
			f(c*Size, min(n, (c+1)*Size), c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				f(c*Size, min(n, (c+1)*Size), c)
			}
		}()
	}
	wg.Wait()
}

// Sum runs f over the pieces of n rows as For does, each piece adding into
// its own zeroed slice of len(dst) sums, and sets dst to the totals over
// the pieces, added in piece order.
func Sum(n int, dst []float64, f func(lo, hi int, out []float64)) {
	k := len(dst)
	chunks := (n + Size - 1) / Size
	part := make([]float64, chunks*k)
	For(n, func(lo, hi, c int) { f(lo, hi, part[c*k:(c+1)*k]) })
	for j := range dst {
		dst[j] = 0
	}
	for c := 0; c < chunks; c++ {
		for j := range dst {
			dst[j] += part[c*k+j]
		}
	}
}
