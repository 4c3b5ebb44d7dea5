package clv

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// chunkSize is the number of rows in one piece of a parallel likelihood
// pass. The pieces are fixed by the data, not by the number of cores, and
// their sums are added in piece order, so a fit gives the same bits on
// any machine.
const chunkSize = 8192

// forChunks calls f(lo, hi, c) for the c-th range [lo, hi) of n rows in
// pieces of chunkSize, on up to GOMAXPROCS goroutines, and returns when
// all have returned. f must only write what belongs to its piece.
func forChunks(n int, f func(lo, hi, c int)) {
	chunks := (n + chunkSize - 1) / chunkSize
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for c := 0; c < chunks; c++ {
			f(c*chunkSize, min(n, (c+1)*chunkSize), c)
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
				f(c*chunkSize, min(n, (c+1)*chunkSize), c)
			}
		}()
	}
	wg.Wait()
}

// sumChunks runs f over the pieces of n rows as forChunks does, each piece
// adding into its own zeroed slice of len(dst) sums, and sets dst to the
// totals over the pieces, added in piece order.
func sumChunks(n int, dst []float64, f func(lo, hi int, out []float64)) {
	k := len(dst)
	chunks := (n + chunkSize - 1) / chunkSize
	part := make([]float64, chunks*k)
	forChunks(n, func(lo, hi, c int) { f(lo, hi, part[c*k:(c+1)*k]) })
	for j := range dst {
		dst[j] = 0
	}
	for c := 0; c < chunks; c++ {
		for j := range dst {
			dst[j] += part[c*k+j]
		}
	}
}

// orderByX returns the indices 0..n-1 ordered by x(i), ties in index
// order: a counting sort over the distinct values, linear in n, where a
// comparison sort of a few hundred thousand rows cost more than the fit's
// likelihood passes.
func orderByX(n int, x func(i int) int) []int {
	count := make(map[int]int)
	for i := 0; i < n; i++ {
		count[x(i)]++
	}
	keys := make([]int, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	next := make(map[int]int, len(keys))
	at := 0
	for _, k := range keys {
		next[k] = at
		at += count[k]
	}
	out := make([]int, n)
	for i := 0; i < n; i++ {
		k := x(i)
		out[next[k]] = i
		next[k]++
	}
	return out
}
