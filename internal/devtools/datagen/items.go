package datagen

import "math"

// categoryLeaves is the category tree's 40 leaves, as level1/level2/level3
// paths. A leaf's index is its number in truth.json.
var categoryLeaves = []string{
	"beauty/skincare/serum", "beauty/skincare/moisturiser", "beauty/skincare/cleanser", "beauty/skincare/sunscreen",
	"beauty/makeup/lipstick", "beauty/makeup/foundation", "beauty/makeup/mascara", "beauty/fragrance/perfume",
	"beauty/fragrance/body_mist", "beauty/haircare/shampoo",
	"fashion/women/dresses", "fashion/women/tops", "fashion/women/shoes", "fashion/men/shirts",
	"fashion/men/trousers", "fashion/men/shoes", "fashion/accessories/bags", "fashion/accessories/watches",
	"home/kitchen/cookware", "home/kitchen/tableware", "home/bedding/sheets", "home/bedding/pillows",
	"home/decor/candles", "home/decor/frames", "home/cleaning/detergent", "home/cleaning/tools",
	"food/snacks/nuts", "food/snacks/chocolate", "food/drinks/tea", "food/drinks/coffee",
	"food/fresh/fruit", "food/fresh/dairy", "food/pantry/noodles",
	"kids/toys/blocks", "kids/toys/dolls", "kids/baby/diapers", "kids/baby/formula",
	"electronics/audio/headphones", "electronics/phone/chargers", "electronics/wearables/bands",
}

// productsPerLeaf is the number of SKUs in each leaf category: SKU
// <leaf*1000 + product>, 5 digits.
const productsPerLeaf = 50

// itemRow is one order line.
type itemRow struct {
	member   int64 // member number
	orderSeq int32 // the order's seq: order_id is O%09d-%d
	line     int32 // 1-based line number within the order
	leaf     int   // index into categoryLeaves
	product  int   // 0 .. productsPerLeaf-1
	quantity int32
	amount   int64 // cents, net
	updated  int64
}

// preference draws the member's category preference, Dirichlet with
// parameters Items.Concentration / len(leaves) on every leaf, into
// gen.pref (cumulative), and returns the leaf with the largest weight.
func (gen *generator) preference() int {
	g := gen.g
	k := len(categoryLeaves)
	if cap(gen.pref) < k {
		gen.pref = make([]float64, k)
	}
	w := gen.pref[:k]
	var sum float64
	top := 0
	for i := range w {
		w[i] = g.gamma(gen.o.Items.Concentration/float64(k), 1)
		sum += w[i]
		if w[i] > w[top] {
			top = i
		}
	}
	if sum == 0 { // every draw underflowed: uniform
		for i := range w {
			w[i] = 1
		}
		sum = float64(k)
	}
	var acc float64
	for i := range w {
		acc += w[i]
		w[i] = acc / sum
	}
	w[k-1] = 1
	return top
}

// items appends the lines of each of the member's orders: 1 + Poisson(0.7)
// lines (at most the order's items), the order's items spread over them
// as quantities, each line's category drawn from the member's preference
// (gen.pref) and the order's amount split over the lines in proportion to
// quantity times a Gamma(2) price factor, in whole cents, so the lines sum
// to the order's amount exactly.
func (gen *generator) items(orders []orderRow, c *chunk) {
	g := gen.g
	for i := range orders {
		o := &orders[i]
		units := max(int(o.items), 1)
		n := min(1+g.poisson(0.7), units)
		start := len(c.items)
		for l := range n {
			c.items = append(c.items, itemRow{
				member: o.member, orderSeq: o.seq, line: int32(l + 1),
				leaf: g.pick(gen.pref), product: g.IntN(productsPerLeaf), quantity: 1, updated: o.updated,
			})
		}
		lines := c.items[start:]
		for range units - n {
			lines[g.IntN(n)].quantity++
		}
		gen.weights = gen.weights[:0]
		var sum float64
		for l := range lines {
			w := float64(lines[l].quantity) * g.gamma(2, 1)
			gen.weights = append(gen.weights, w)
			sum += w
		}
		left := o.amount
		for l := range lines {
			if l == len(lines)-1 {
				lines[l].amount = left
				break
			}
			a := int64(math.Floor(float64(o.amount) * gen.weights[l] / sum))
			a = min(a, left)
			lines[l].amount = a
			left -= a
		}
	}
}
