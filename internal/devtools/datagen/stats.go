package datagen

import "math"

// opWeeks52 is the fixed window of the 52-week check, in operational days.
const opWeeks52 = 52 * daysPerWeek

// stats accumulates the counts and model checks of a chunk of members.
// Chunks are merged in member order, so float sums are reproducible.
type stats struct {
	members, prospects, buyers int64
	buyersFirstAfterEnd        int64 // ordering members whose first purchase would fall after End

	paid, refunded, cancelled int64
	paidCents                 int64
	firstAmountSum            float64 // first paid order of each buyer, in currency units
	firstAmountSq             float64

	events       int64
	eventsByType [numEventTypes]int64
	valueByType  [numEventTypes]float64 // sum of value, e.g. points

	shifted, collisions int64 // same-day rule: moved to the next day, left on the same day

	// items counts order lines; topLeaf[i] is the top category leaf of
	// the chunk's i-th member (all members, in order, once merged).
	items   int64
	topLeaf []uint8
	// campaigns counts each campaign's assignments and outcomes.
	campaigns [numCampaigns]campaignStats

	// BG/NBD, over buyers with a first purchase before End.
	repeats, repeatBuyers, dropouts int64
	repeatsSq                       float64 // sum of squared repeat counts
	// tCount[i] and tSum[i] bin the buyers by their observation length
	// T = op(End) - op(first purchase), in operational days, [i, i+1).
	tCount, tSum []float64
	// Buyers observed for at least 52 operational weeks, and their repeat
	// purchases in the first 52 weeks after the first purchase.
	win52Members, win52Repeats, win52Zero int64
	win52Sq                               float64
}

// addBuyer records the BG/NBD outcome of one buyer.
func (s *stats) addBuyer(opFirst, opEnd float64, repOp []float64, died bool) {
	t := max(opEnd-opFirst, 0)
	i := int(t)
	for len(s.tCount) <= i {
		s.tCount = append(s.tCount, 0)
		s.tSum = append(s.tSum, 0)
	}
	s.tCount[i]++
	s.tSum[i] += t
	s.repeats += int64(len(repOp))
	s.repeatsSq += float64(len(repOp)) * float64(len(repOp))
	if len(repOp) > 0 {
		s.repeatBuyers++
	}
	if died {
		s.dropouts++
	}
	if t >= opWeeks52 {
		s.win52Members++
		n := 0
		for _, tau := range repOp {
			if tau-opFirst <= opWeeks52 {
				n++
			}
		}
		s.win52Repeats += int64(n)
		s.win52Sq += float64(n) * float64(n)
		if n == 0 {
			s.win52Zero++
		}
	}
}

// reset empties s, keeping its bins' memory.
func (s *stats) reset() {
	tc, ts, tl := s.tCount[:0], s.tSum[:0], s.topLeaf[:0]
	*s = stats{tCount: tc, tSum: ts, topLeaf: tl}
}

// merge adds o into s.
func (s *stats) merge(o *stats) {
	s.members += o.members
	s.prospects += o.prospects
	s.buyers += o.buyers
	s.buyersFirstAfterEnd += o.buyersFirstAfterEnd
	s.paid += o.paid
	s.refunded += o.refunded
	s.cancelled += o.cancelled
	s.paidCents += o.paidCents
	s.firstAmountSum += o.firstAmountSum
	s.firstAmountSq += o.firstAmountSq
	s.events += o.events
	for i, n := range o.eventsByType {
		s.eventsByType[i] += n
		s.valueByType[i] += o.valueByType[i]
	}
	s.shifted += o.shifted
	s.items += o.items
	s.topLeaf = append(s.topLeaf, o.topLeaf...)
	for i := range o.campaigns {
		s.campaigns[i].merge(&o.campaigns[i])
	}
	s.collisions += o.collisions
	s.repeats += o.repeats
	s.repeatsSq += o.repeatsSq
	s.repeatBuyers += o.repeatBuyers
	s.dropouts += o.dropouts
	for len(s.tCount) < len(o.tCount) {
		s.tCount = append(s.tCount, 0)
		s.tSum = append(s.tSum, 0)
	}
	for i := range o.tCount {
		s.tCount[i] += o.tCount[i]
		s.tSum[i] += o.tSum[i]
	}
	s.win52Members += o.win52Members
	s.win52Repeats += o.win52Repeats
	s.win52Zero += o.win52Zero
	s.win52Sq += o.win52Sq
}

// campaignRows is the number of campaign assignments written.
func (s *stats) campaignRows() int64 {
	var n int64
	for _, c := range s.campaigns {
		n += c.treatment + c.control
	}
	return n
}

// observedBuyers is the number of buyers with a first purchase before End.
func (s *stats) observedBuyers() int64 { return s.buyers - s.buyersFirstAfterEnd }

// expectations sums the BG/NBD expectations over the buyers' observation
// lengths, evaluating each one-day bin at its mean length (the functions
// are smooth, so the error is far below the sampling noise).
func (s *stats) expectations(p BGNBD) (repeats, repeatBuyers, repeatBuyersVar float64) {
	for i, n := range s.tCount {
		if n == 0 {
			continue
		}
		t := s.tSum[i] / n / daysPerWeek
		repeats += n * ExpectedRepeats(p, t)
		q := 1 - ProbNoRepeat(p, t)
		repeatBuyers += n * q
		repeatBuyersVar += n * q * (1 - q)
	}
	return repeats, repeatBuyers, repeatBuyersVar
}

// sampleSD is the sample standard deviation of n values with the given
// sum and sum of squares.
func sampleSD(n, sum, sumSq float64) float64 {
	if n < 2 {
		return 0
	}
	mean := sum / n
	return math.Sqrt(max(sumSq/n-mean*mean, 0) * n / (n - 1))
}
