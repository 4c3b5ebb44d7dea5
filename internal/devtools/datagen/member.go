package datagen

import (
	"cmp"
	"math"
	"slices"
)

// Attribute vocabularies and their weights.
var (
	genders       = []string{"F", "M", "U"}
	genderCum     = cumulative(0.56, 0.40, 0.04)
	regions       = []string{"east", "south", "north", "central", "southwest", "northeast", "northwest"}
	regionCum     = cumulative(0.30, 0.20, 0.17, 0.12, 0.10, 0.06, 0.05)
	channels      = []string{"store", "app", "mini_program", "web"}
	channelCum    = cumulative(0.45, 0.25, 0.20, 0.10)
	tiers         = []string{"bronze", "silver", "gold", "platinum"}
	ratingCum     = cumulative(0.06, 0.06, 0.13, 0.30, 0.45) // 1..5 stars
	npsCum        = cumulative(2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30)
	devicesByChan = map[string][]float64{
		"store":        cumulative(0.5, 0.4, 0.1, 0),
		"app":          cumulative(0.55, 0.45, 0, 0),
		"mini_program": cumulative(0, 0, 0, 1),
		"web":          cumulative(0.05, 0.05, 0.9, 0),
	}
)

const (
	// sameChannelShare is the share of a member's orders in the member's
	// own acquisition channel.
	sameChannelShare = 0.7
	// homeStoreShare is the share of a member's store orders in its home store.
	homeStoreShare = 0.85
	// sourceTierShare is the share of members with a non-empty source_tier.
	sourceTierShare = 0.65
	// birthdayShare is the share of members with a birthday.
	birthdayShare = 0.8
	// profileUpdateShare is the share of members whose updated_at is
	// later than joined_at.
	profileUpdateShare = 0.3
	// redeemThreshold is the points balance needed to redeem.
	redeemThreshold = 500
)

// generator produces the rows of one member at a time. It is owned by one
// goroutine; its scratch slices are reused from member to member.
type generator struct {
	o      *Options
	cal    *calendar
	end    float64 // unix seconds of End
	endDay int64   // unix day of the last second before End
	opEnd  float64 // operational time of End
	opSt   float64 // operational time of Start
	joinK  float64 // growth rate of joins per operational day
	g      *rng
	paidAt []float64 // calendar seconds of the member's paid orders
	repOp  []float64 // operational times of the member's repeat purchases
	nu     float64   // the member's Gamma-Gamma rate, set by orders

	pref    []float64 // the member's category preference, cumulative
	weights []float64 // scratch: line price weights
	// campaignAt is each campaign's assignment time; campaignsOn is false
	// when the window is too short for them.
	campaignAt  [numCampaigns]int64
	campaignsOn bool
}

func newGenerator(o *Options, cal *calendar) *generator {
	gen := &generator{o: o, cal: cal, g: newRNG()}
	gen.end = float64(o.End.Unix())
	gen.endDay = floorDiv(o.End.Unix()-1, secondsPerDay)
	gen.opSt = cal.op(float64(o.Start.Unix()))
	gen.opEnd = cal.op(gen.end)
	gen.joinK = math.Log(o.JoinGrowth) / 365
	gen.campaignAt, gen.campaignsOn = campaignTimes(o)
	return gen
}

// joinOp maps a uniform u in [0, 1) to an operational join time: uniform
// over the window when JoinGrowth is 1, else with density proportional to
// JoinGrowth^(years of operational time since Start).
func (gen *generator) joinOp(u float64) float64 {
	l := gen.opEnd - gen.opSt
	k := gen.joinK
	if math.Abs(k*l) < 1e-9 {
		return gen.opSt + u*l
	}
	return gen.opSt + math.Log1p(u*math.Expm1(k*l))/k
}

// member appends the rows of the member with 0-based index idx to c.
func (gen *generator) member(idx int64, c *chunk) {
	o := gen.o
	g := gen.g
	st := &c.stats
	num := idx + 1
	seed := o.Seed

	// Profile stream: join time, prospect flag, lambda, p, purchases.
	g.reset(seed, uint64(idx), streamProfile)
	joinedF := math.Floor(gen.cal.cal(gen.joinOp(g.Float64())))
	joinedF = min(max(joinedF, float64(o.Start.Unix())), gen.end-1)
	joined := int64(joinedF)
	prospect := g.Float64() < o.ProspectShare
	// lambda and p are drawn for prospects too, so that ProspectShare
	// only decides who is a prospect and leaves the others' draws alone.
	lambda := g.gamma(o.Purchase.R, o.Purchase.Alpha) // purchases per operational week
	p := g.beta(o.Purchase.A, o.Purchase.B)
	firstSame := g.Float64() < o.Orders.FirstSameTimeShare
	delay := g.exp(o.Orders.FirstDelayDays) * secondsPerDay

	st.members++
	gen.paidAt = gen.paidAt[:0]
	gen.repOp = gen.repOp[:0]
	deathOp := math.Inf(1) // operational time of dropout, +Inf if none in the window
	firstF := math.Inf(1)
	if prospect {
		st.prospects++
	} else {
		st.buyers++
		firstF = joinedF
		if !firstSame {
			firstF = joinedF + delay
		}
		if firstF >= gen.end {
			st.buyersFirstAfterEnd++
		} else {
			gen.purchases(firstF, lambda, p, &deathOp, st)
		}
	}

	// Metadata stream: attributes no model depends on.
	g.reset(seed, uint64(idx), streamMetadata)
	m := memberRow{num: num, joined: joined}
	m.gender = genders[g.pick(genderCum)]
	m.region = regions[g.pick(regionCum)]
	m.channel = channels[g.pick(channelCum)]
	if g.Float64() < birthdayShare {
		age := 18 + g.Float64()*47 // years at Start
		m.birthday = int32(floorDiv(o.Start.Unix(), secondsPerDay) - int64(age*365.25))
		m.hasBirthday = true
	}
	device := g.pick(devicesByChan[m.channel])
	homeStore := 1 + g.IntN(o.Orders.Stores)
	if g.Float64() < sourceTierShare {
		// A noisy view of the member's latent weekly spend: lambda times
		// the population mean order value, times log-normal noise. The
		// source system's tiers are only loosely related to value.
		score := lambda * o.Spend.MeanOrderValue() * math.Exp(0.8*g.NormFloat64())
		switch {
		case prospect || score < 2:
			m.tier = tiers[0]
		case score < 10:
			m.tier = tiers[1]
		case score < 40:
			m.tier = tiers[2]
		default:
			m.tier = tiers[3]
		}
	} else {
		g.NormFloat64() // keep the stream aligned
	}
	m.updated = joined
	if g.Float64() < profileUpdateShare {
		m.updated = joined + int64(g.Float64()*(gen.end-joinedF))
	}
	c.members = append(c.members, m)

	// Orders: paid (spend stream), then extras (extras stream).
	orderStart := len(c.orders)
	campaignStart := len(c.campaigns)
	gen.orders(idx, num, m.channel, homeStore, c)
	gen.campaigns(idx, num, firstF, gen.nu, m.channel, homeStore, c)
	slices.SortStableFunc(c.orders[orderStart:], func(a, b orderRow) int {
		return cmp.Compare(a.ordered, b.ordered)
	})
	for i := range c.orders[orderStart:] {
		c.orders[orderStart+i].seq = int32(i + 1)
	}

	// Order lines, from the member's category preference.
	g.reset(seed, uint64(idx), streamItems)
	st.topLeaf = append(st.topLeaf, uint8(gen.preference()))
	itemStart := len(c.items)
	gen.items(c.orders[orderStart:], c)
	st.items += int64(len(c.items) - itemStart)

	// Events.
	if o.Events.Scale > 0 {
		eventStart := len(c.events)
		gen.events(idx, eventCtx{
			num: num, prospect: prospect, lambda: lambda, joinedF: joinedF, firstF: firstF,
			deathOp: deathOp, device: device, appUser: m.channel == "app" || m.channel == "mini_program",
		}, c.orders[orderStart:], c)
		gen.reached(idx, num, c.campaigns[campaignStart:], c)
		ev := c.events[eventStart:]
		slices.SortStableFunc(ev, func(a, b eventRow) int { return cmp.Compare(a.t, b.t) })
		for i := range ev {
			ev[i].seq = int32(i + 1)
			st.eventsByType[ev[i].typ]++
			st.valueByType[ev[i].typ] += ev[i].value
		}
		st.events += int64(len(ev))
	}
}

// purchases simulates the BG/NBD process of one ordering member whose
// first purchase is at calendar time firstF < End, filling gen.paidAt with
// the calendar times of its paid orders (first plus repeats) and setting
// *deathOp if the member drops out before End.
func (gen *generator) purchases(firstF, lambda, p float64, deathOp *float64, st *stats) {
	g := gen.g
	opFirst := gen.cal.op(firstF)
	lamDay := lambda / daysPerWeek
	for tau := opFirst; ; {
		tau += g.ExpFloat64() / lamDay // +Inf when lambda underflowed to 0
		if tau >= gen.opEnd {
			break
		}
		gen.repOp = append(gen.repOp, tau)
		if g.Float64() < p {
			*deathOp = tau
			break
		}
	}
	st.addBuyer(opFirst, gen.opEnd, gen.repOp, !math.IsInf(*deathOp, 1))

	// Calendar times, at most one paid order per UTC day: a repeat
	// purchase that falls on the day of the previous one moves to the
	// next day at the same time of day (a shift of under a day per step,
	// cascading in the rare bursts), so the count of distinct purchase
	// days equals the BG/NBD count. Only if the move would cross End does
	// it stay, as a same-day collision.
	gen.paidAt = append(gen.paidAt, firstF)
	lastDay := floorDiv(int64(firstF), secondsPerDay)
	for _, tau := range gen.repOp {
		t := math.Floor(gen.cal.cal(tau))
		t = min(max(t, firstF), gen.end-1)
		day := floorDiv(int64(t), secondsPerDay)
		if day <= lastDay {
			moved := t + float64((lastDay+1-day)*secondsPerDay)
			if moved < gen.end {
				t = moved
				st.shifted++
			} else {
				st.collisions++
			}
		}
		lastDay = max(lastDay, floorDiv(int64(t), secondsPerDay))
		gen.paidAt = append(gen.paidAt, t)
	}
}

// orders appends the member's paid orders at gen.paidAt and the extra
// refunded and cancelled orders.
func (gen *generator) orders(idx, num int64, channel string, homeStore int, c *chunk) {
	if len(gen.paidAt) == 0 {
		return
	}
	o := gen.o
	g := gen.g
	st := &c.stats
	g.reset(o.Seed, uint64(idx), streamSpend)
	nu := g.gamma(o.Spend.Q, o.Spend.V)
	gen.nu = nu
	start := len(c.orders)
	for i, t := range gen.paidAt {
		r := gen.order(num, int64(t), nu, channel, homeStore)
		r.status = statusPaid
		c.orders = append(c.orders, r)
		st.paid++
		st.paidCents += r.amount
		if i == 0 {
			st.firstAmountSum += float64(r.amount) / 100
			st.firstAmountSq += (float64(r.amount) / 100) * (float64(r.amount) / 100)
		}
	}

	g.reset(o.Seed, uint64(idx), streamExtras)
	paid := c.orders[start:]
	for i := range paid {
		pr := paid[i]
		if g.Float64() < o.Orders.RefundShare {
			t := float64(pr.ordered) + g.exp(2)*secondsPerDay
			if t < gen.end {
				r := gen.order(num, int64(t), nu, pr.channel, pr.store)
				r.channel, r.store = pr.channel, pr.store
				r.status = statusRefunded
				r.updated = min(r.ordered+int64((1+13*g.Float64())*secondsPerDay), int64(gen.end)-1)
				c.orders = append(c.orders, r)
				st.refunded++
			}
		}
		if g.Float64() < o.Orders.CancelShare {
			t := max(float64(pr.ordered)-(300+g.Float64()*3*3600), float64(c.members[len(c.members)-1].joined))
			r := gen.order(num, int64(t), nu, pr.channel, pr.store)
			r.channel, r.store = pr.channel, pr.store
			r.status = statusCancelled
			r.updated = min(r.ordered+int64(60+g.Float64()*1800), int64(gen.end)-1)
			c.orders = append(c.orders, r)
			st.cancelled++
		}
	}
}

// order draws one order's money, items and place from gen.g.
func (gen *generator) order(num, t int64, nu float64, channel string, homeStore int) orderRow {
	g := gen.g
	o := gen.o
	z := g.gamma(o.Spend.P, nu)
	r := orderRow{member: num, ordered: t, updated: t}
	r.amount = max(1, int64(math.Round(z*100)))
	if g.Float64() < o.Orders.DiscountShare {
		rate := 0.05 + 0.25*g.Float64()
		r.discount = int64(math.Round(float64(r.amount) * rate / (1 - rate)))
	}
	r.items = int32(1 + g.poisson(min(z/250, 20)))
	r.channel = channel
	if g.Float64() >= sameChannelShare {
		r.channel = channels[g.pick(channelCum)]
	}
	if r.channel == "store" {
		r.store = homeStore
		if g.Float64() >= homeStoreShare {
			r.store = 1 + g.IntN(o.Orders.Stores)
		}
	}
	return r
}
