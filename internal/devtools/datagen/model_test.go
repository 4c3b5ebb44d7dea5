package datagen

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Statistical tests. Each tolerance is four standard deviations of the
// tested statistic at the test's sample size, so a correct generator fails
// about once in 15,000 runs per check, while a wrong parameter (say alpha
// per day instead of per week, or dropout after the first purchase) moves
// the statistic by many standard deviations. The seeds are fixed, so the
// tests are reproducible.

// meanSD returns the mean and sample standard deviation of xs.
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func within(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g +- %.3g", name, got, want, tol)
	} else {
		t.Logf("%s = %.6g, want %.6g +- %.3g", name, got, want, tol)
	}
}

func TestSamplers(t *testing.T) {
	g := newRNG()
	g.reset(7, 0, 0)
	const n = 200_000
	for _, tc := range []struct{ shape, rate float64 }{{0.25, 4}, {0.8, 1}, {4, 150}, {6, 0.02}} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = g.gamma(tc.shape, tc.rate)
		}
		mean, sd := meanSD(xs)
		wantMean, wantSD := tc.shape/tc.rate, math.Sqrt(tc.shape)/tc.rate
		within(t, "gamma mean "+strconv.FormatFloat(tc.shape, 'g', -1, 64), mean, wantMean, 4*wantSD/math.Sqrt(n))
		// The sample variance's sd is sigma^2*sqrt((kurtosis-1)/n), excess
		// kurtosis of a gamma 6/shape; compare sd with a 4-sigma bound on it.
		varTol := 4 * wantSD * wantSD * math.Sqrt((6/tc.shape+2)/n)
		within(t, "gamma var "+strconv.FormatFloat(tc.shape, 'g', -1, 64), sd*sd, wantSD*wantSD, varTol)
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = g.beta(0.8, 2.4)
	}
	mean, _ := meanSD(xs)
	a, b := 0.8, 2.4
	sd := math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)))
	within(t, "beta mean", mean, a/(a+b), 4*sd/math.Sqrt(n))
}

// TestBGNBDClosedForm checks ExpectedRepeats and ProbNoRepeat against a
// direct simulation of the BG/NBD story.
func TestBGNBDClosedForm(t *testing.T) {
	tests := []struct {
		name string
		p    BGNBD
		t    float64
	}{
		{"defaults 52w", DefaultOptions().Purchase, 52},
		{"cdnow 39w", BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 39},
		{"a above 1", BGNBD{R: 1.5, Alpha: 10, A: 2, B: 5}, 26},
		{"a near 1", BGNBD{R: 0.5, Alpha: 3, A: 1, B: 3}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newRNG()
			g.reset(11, 0, 0)
			const n = 200_000
			xs := make([]float64, n)
			zero := 0
			for i := range xs {
				lambda := g.gamma(tt.p.R, tt.p.Alpha)
				p := g.beta(tt.p.A, tt.p.B)
				x := 0
				for tau := g.ExpFloat64() / lambda; tau <= tt.t; tau += g.ExpFloat64() / lambda {
					x++
					if g.Float64() < p {
						break
					}
				}
				xs[i] = float64(x)
				if x == 0 {
					zero++
				}
			}
			mean, sd := meanSD(xs)
			within(t, "mean X(t)", mean, ExpectedRepeats(tt.p, tt.t), 4*sd/math.Sqrt(n))
			p0 := ProbNoRepeat(tt.p, tt.t)
			within(t, "P(X(t)=0)", float64(zero)/n, p0, 4*math.Sqrt(p0*(1-p0)/n))
		})
	}
}

// TestGeneratedOrdersFollowModels reads orders.csv back and checks the paid
// orders against the BG/NBD and Gamma-Gamma closed forms, per member from
// its own observation length.
func TestGeneratedOrdersFollowModels(t *testing.T) {
	tests := []struct {
		name   string
		season Seasonality
		growth float64
	}{
		{"default seasonality", DefaultSeasonality(), 1.3},
		{"flat", FlatSeasonality(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := smallOptions(t, FormatCSV, 40_000)
			o.Season = tt.season
			o.JoinGrowth = tt.growth
			o.Events.Scale = 0 // the order streams do not depend on events
			// C1's extra orders are outside BG/NBD: none here (the
			// assignments still draw, from their own stream).
			o.Campaigns.ConversionLift = 0
			sum := mustGenerate(t, o)
			orders := readCSV(t, filepath.Join(o.OutDir, "orders.csv"))
			cal := newCalendar(o.Season, o.Start, o.End)
			opEnd := cal.op(float64(o.End.Unix()))

			type buyer struct {
				first   int64
				paid    []int64
				firstAm float64
			}
			buyers := map[string]*buyer{}
			var order []string
			var refunded, cancelled int
			weekday := [7]int{}
			for _, r := range orders.rows {
				switch r[8] {
				case statusRefunded:
					refunded++
					continue
				case statusCancelled:
					cancelled++
					continue
				}
				ts, _ := time.Parse(time.RFC3339, r[2])
				amount, _ := strconv.ParseFloat(r[3], 64)
				b := buyers[r[1]]
				if b == nil {
					// Rows are in time order per member: the first is the
					// first purchase.
					b = &buyer{first: ts.Unix(), firstAm: amount}
					buyers[r[1]] = b
					order = append(order, r[1])
				} else {
					weekday[ts.Weekday()]++
				}
				b.paid = append(b.paid, ts.Unix())
			}
			n := float64(len(buyers))
			if n < 20_000 {
				t.Fatalf("only %v buyers", n)
			}

			var sumQ, varQ, repeatBuyers, sumE float64
			var xs, firstAmounts, x52 []float64
			zero52 := 0
			type memberDay struct {
				id  string
				day int64
			}
			days := map[memberDay]bool{}
			sameDay := 0
			for _, id := range order {
				b := buyers[id]
				opFirst := cal.op(float64(b.first))
				tw := (opEnd - opFirst) / daysPerWeek
				q := 1 - ProbNoRepeat(o.Purchase, tw)
				sumQ += q
				varQ += q * (1 - q)
				sumE += ExpectedRepeats(o.Purchase, tw)
				x := len(b.paid) - 1
				xs = append(xs, float64(x))
				if x > 0 {
					repeatBuyers++
				}
				firstAmounts = append(firstAmounts, b.firstAm)
				if tw >= 52 {
					k := 0
					for _, ts := range b.paid[1:] {
						if cal.op(float64(ts))-opFirst <= 52*daysPerWeek {
							k++
						}
					}
					x52 = append(x52, float64(k))
					if k == 0 {
						zero52++
					}
				}
				for _, ts := range b.paid {
					key := memberDay{id, floorDiv(ts, secondsPerDay)}
					if days[key] {
						sameDay++
					}
					days[key] = true
				}
			}

			within(t, "repeat buyers", repeatBuyers, sumQ, 4*math.Sqrt(varQ))
			mean, sd := meanSD(xs)
			within(t, "mean repeat purchases", mean, sumE/n, 4*sd/math.Sqrt(n))
			m := float64(len(x52))
			p0 := ProbNoRepeat(o.Purchase, 52)
			within(t, "zero-repeat share over 52 weeks", float64(zero52)/m, p0, 4*math.Sqrt(p0*(1-p0)/m))
			mean52, sd52 := meanSD(x52)
			within(t, "mean repeats over 52 weeks", mean52, ExpectedRepeats(o.Purchase, 52), 4*sd52/math.Sqrt(m))
			meanAm, _ := meanSD(firstAmounts)
			within(t, "mean first order value", meanAm, o.Spend.MeanOrderValue(), 4*OrderValueSD(o.Spend)/math.Sqrt(n))

			// Prospects and extra orders, binomial around their shares.
			ps := o.ProspectShare
			within(t, "prospects", float64(sum.Truth.Counts.Prospects), ps*float64(o.Members), 4*math.Sqrt(ps*(1-ps)*float64(o.Members)))
			paid := float64(sum.Truth.Counts.PaidOrders)
			// A few refunds would fall after End and are not written.
			within(t, "cancelled orders", float64(cancelled), o.Orders.CancelShare*paid, 4*math.Sqrt(o.Orders.CancelShare*paid))
			if r := float64(refunded); r > o.Orders.RefundShare*paid+4*math.Sqrt(o.Orders.RefundShare*paid) || r < 0.8*o.Orders.RefundShare*paid {
				t.Errorf("refunded orders = %v, want about %v", r, o.Orders.RefundShare*paid)
			}

			// At most one paid order per member and day, bar the counted
			// collisions at End.
			if int64(sameDay) != sum.Truth.Counts.SameDayCollisions {
				t.Errorf("%d paid orders share a day with an earlier one of the member, truth.json says %d", sameDay, sum.Truth.Counts.SameDayCollisions)
			}
			if share := float64(sum.Truth.Counts.SameDayShifted) / float64(sum.Truth.Counts.RepeatPaidOrders); share > 0.05 {
				t.Errorf("%.1f%% of repeat orders moved to the next day, want under 5%%", 100*share)
			}

			// truth.json agrees with this independent computation, and its
			// own checks pass.
			for _, c := range sum.Truth.Checks {
				if !c.Within() {
					t.Errorf("truth check %s: observed %v, expected %v +- %v", c.Name, c.Observed, c.Expected, c.Tolerance)
				}
				switch c.Name {
				case "repeat_buyers":
					within(t, "truth expected repeat buyers", c.Expected, sumQ, 1e-3*sumQ)
					within(t, "truth observed repeat buyers", c.Observed, repeatBuyers, 0)
				case "repeat_purchases":
					within(t, "truth expected repeat purchases", c.Expected, sumE, 1e-3*sumE)
				}
			}

			// Seasonality shows in the weekday of repeat orders: Saturday's
			// weight over Tuesday's is 1.2/0.88 = 1.36 (flat: 1).
			ratio := float64(weekday[time.Saturday]) / float64(weekday[time.Tuesday])
			want := o.Season.Weekly[5] / o.Season.Weekly[1]
			within(t, "Saturday/Tuesday repeat orders", ratio, want, 4*want*math.Sqrt(1/float64(weekday[time.Saturday])+1/float64(weekday[time.Tuesday])))
		})
	}
}
