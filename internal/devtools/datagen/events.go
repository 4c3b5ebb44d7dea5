package datagen

import "math"

const (
	skus = 20000 // SKU00000..SKU19999
	// campaignOffset is the send time of the weekly campaign within its
	// day: Tuesdays 02:00 UTC (10:00 in UTC+8).
	campaignOffset = 2 * 3600
	// tuesdayMod is unix day mod 7 of Tuesdays (1970-01-01 was a Thursday).
	tuesdayMod = 5
)

// eventCtx is what the event model needs to know about one member.
type eventCtx struct {
	num      int64
	prospect bool
	lambda   float64 // purchases per operational week
	joinedF  float64 // calendar seconds
	firstF   float64 // calendar seconds of the first purchase, +Inf if none
	deathOp  float64 // operational time of dropout, +Inf if alive at End
	device   int
	appUser  bool
}

// events appends a member's interaction events (unsorted) to c.events.
//
// Sessions (a login, page views, product views, sometimes an add to cart
// and for app users a check-in) arrive as a Poisson process in
// operational time. While the member is alive in the BG/NBD sense the
// rate is Scale*(BaseSessionsPerWeek + SessionsPerPurchase*lambda); after
// dropout it decays as exp(-u/DecayDays). A prospect starts at
// Scale*ProspectSessionsPerWeek, decaying with ProspectDecayDays, plus a
// floor of a tenth of the base rate. Weekly campaigns are opened with
// probability Scale*CampaignOpenProb while alive, decaying after dropout
// (prospects: 0.3 + 0.7*exp(-u/ProspectDecayDays) of it). Each paid order
// brings a product view and add to cart (online) or a store check-in, a
// points_earned worth floor(amount), sometimes a redemption, a review, a
// share or an NPS survey; unredeemed points expire PointsExpiryDays
// after they were earned. Buyers may refer a friend once while alive.
func (gen *generator) events(idx int64, x eventCtx, orders []orderRow, c *chunk) {
	o := gen.o
	e := &o.Events
	g := gen.g
	cal := gen.cal
	g.reset(o.Seed, uint64(idx), streamEvents)
	emit := func(t float64, typ eventType, value float64, prop propKind, arg int64) {
		if t >= gen.end {
			return
		}
		t = max(t, x.joinedF)
		c.events = append(c.events, eventRow{member: x.num, t: int64(t), typ: typ, value: value, prop: prop, arg: arg})
	}
	session := func(tau float64) {
		t := cal.cal(tau)
		emit(t, evLogin, 0, propDevice, int64(x.device))
		pv := 1 + g.geometric(0.5)
		for range pv {
			t += 10 + g.exp(60)
			emit(t, evPageView, math.Round(5+g.exp(40)), propPage, int64(g.IntN(len(pages))))
		}
		for range g.poisson(1.2) {
			t += 10 + g.exp(60)
			emit(t, evProductView, math.Round(g.exp(o.Spend.MeanOrderValue())*100)/100, propSKU, int64(g.IntN(skus)))
		}
		if g.Float64() < 0.1 {
			t += 10 + g.exp(60)
			emit(t, evAddToCart, math.Round(g.exp(o.Spend.MeanOrderValue())*100)/100, propSKU, int64(g.IntN(skus)))
		}
		if x.appUser && g.Float64() < 0.25 {
			t += 5 + g.exp(30)
			emit(t, evCheckin, 5, propSource, int64(g.IntN(len(sources))))
		}
	}

	opJoin := cal.op(x.joinedF)
	const perDay = 1.0 / daysPerWeek
	if x.prospect {
		gen.decaying(opJoin, e.Scale*e.ProspectSessionsPerWeek*perDay, e.ProspectDecayDays, session)
		gen.homogeneous(opJoin, gen.opEnd, e.Scale*e.BaseSessionsPerWeek/10*perDay, session)
	} else {
		rate := e.Scale * (e.BaseSessionsPerWeek + e.SessionsPerPurchase*x.lambda) * perDay
		gen.homogeneous(opJoin, min(x.deathOp, gen.opEnd), rate, session)
		if x.deathOp < gen.opEnd {
			gen.decaying(x.deathOp, rate, e.DecayDays, session)
		}
	}

	// Weekly campaigns from the first send at or after joining.
	day := floorDiv(int64(x.joinedF), secondsPerDay)
	day += ((tuesdayMod-day)%7 + 7) % 7
	if float64(day*secondsPerDay+campaignOffset) < x.joinedF {
		day += 7
	}
	base := e.Scale * e.CampaignOpenProb
	for ; float64(day*secondsPerDay+campaignOffset) < gen.end; day += 7 {
		tc := float64(day*secondsPerDay + campaignOffset)
		q := base
		switch {
		case x.prospect:
			q *= 0.3 + 0.7*math.Exp(-(cal.op(tc)-opJoin)/e.ProspectDecayDays)
		case !math.IsInf(x.deathOp, 1):
			if u := cal.op(tc) - x.deathOp; u > 0 {
				q *= math.Exp(-u / e.DecayDays)
			}
		}
		if g.Float64() < q {
			t := tc + g.exp(6*3600)
			emit(t, evCampaignOpen, 0, propCampaign, day)
			if g.Float64() < e.CampaignClickProb {
				emit(t+5+g.exp(60), evCampaignClick, 0, propCampaign, day)
			}
		}
	}

	// Events tied to paid orders. Points are kept in lots, one per
	// points_earned: a redemption uses the oldest lots first, and what is
	// left of a lot expires PointsExpiryDays after it was earned (0: never).
	var balance int64
	var lots []pointsLot
	expiry := float64(e.PointsExpiryDays) * secondsPerDay
	expire := func(until float64) {
		for len(lots) > 0 && e.PointsExpiryDays > 0 && lots[0].t+expiry <= until {
			if lots[0].left > 0 {
				emit(lots[0].t+expiry, evPointsExpired, float64(lots[0].left), propOrder, lots[0].seq)
				balance -= lots[0].left
			}
			lots = lots[1:]
		}
	}
	for i := range orders {
		r := &orders[i]
		if r.status != statusPaid {
			continue
		}
		t := float64(r.ordered)
		expire(t)
		amount := float64(r.amount) / 100
		seq := int64(r.seq)
		if r.store == 0 {
			sku := int64(g.IntN(skus))
			emit(t-120-g.Float64()*1500, evProductView, amount, propSKU, sku)
			emit(t-30-g.Float64()*90, evAddToCart, amount, propSKU, sku)
		} else {
			emit(t-g.Float64()*600, evCheckin, 10, propStore, int64(r.store))
		}
		if balance >= redeemThreshold && g.Float64() < e.RedeemProb {
			redeemed := balance / 100 * 100
			emit(t, evPointsRedeemed, float64(redeemed), propOrder, seq)
			balance -= redeemed
			for use := redeemed; use > 0; {
				n := min(use, lots[0].left)
				lots[0].left -= n
				use -= n
				if lots[0].left == 0 {
					lots = lots[1:]
				}
			}
		}
		earned := r.amount / 100
		emit(t+1, evPointsEarned, float64(earned), propOrder, seq)
		balance += earned
		lots = append(lots, pointsLot{t: t + 1, left: earned, seq: seq})
		if g.Float64() < e.ReviewProb {
			emit(t+(1+9*g.Float64())*secondsPerDay, evReview, float64(1+g.pick(ratingCum)), propOrder, seq)
		}
		if g.Float64() < e.ShareProb {
			emit(t+g.Float64()*7200, evShare, 0, propSKU, int64(g.IntN(skus)))
		}
		if g.Float64() < e.NPSProb {
			emit(t+(1+2*g.Float64())*secondsPerDay, evNPSSurvey, float64(g.pick(npsCum)), propOrder, seq)
		}
	}

	expire(math.Inf(1))

	// One referral, at a uniform operational time while alive.
	if !x.prospect && x.firstF < gen.end && g.Float64() < e.ReferralProb {
		from := cal.op(x.firstF)
		to := min(x.deathOp, gen.opEnd)
		emit(cal.cal(from+g.Float64()*(to-from)), evReferral, 0, propReferral, 0)
	}
}

// homogeneous calls fn at the points of a Poisson process of the given
// rate (per operational day) on [from, to).
func (gen *generator) homogeneous(from, to, rate float64, fn func(tau float64)) {
	if rate <= 0 {
		return
	}
	for tau := from + gen.g.ExpFloat64()/rate; tau < to; tau += gen.g.ExpFloat64() / rate {
		fn(tau)
	}
}

// decaying calls fn at the points of a Poisson process of rate
// rate0*exp(-(tau-from)/decay) on [from, End), by inverting its
// cumulative intensity rate0*decay*(1-exp(-u/decay)).
func (gen *generator) decaying(from, rate0, decay float64, fn func(tau float64)) {
	total := rate0 * decay
	if total <= 0 {
		return
	}
	for acc := gen.g.ExpFloat64(); acc < total; acc += gen.g.ExpFloat64() {
		tau := from - decay*math.Log1p(-acc/total)
		if tau >= gen.opEnd {
			return
		}
		fn(tau)
	}
}

// pointsLot is the part of one points_earned not yet redeemed or expired.
type pointsLot struct {
	t    float64 // calendar seconds of the points_earned event
	left int64
	seq  int64 // order seq, for the properties of the expiry event
}
