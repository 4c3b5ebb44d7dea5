package clv

import "sort"

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
