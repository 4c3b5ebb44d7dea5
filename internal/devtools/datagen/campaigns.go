package datagen

import "math"

// The generated campaigns: C0 has no effect, C1 converts a share of its
// treatment members who would not have bought in the 30 days after
// assignment (an extra paid order in those days).
const (
	campaignWindowDays = 30
	numCampaigns       = 2
)

var (
	campaignIDs      = [numCampaigns]string{"C0", "C1"}
	campaignChannels = [numCampaigns]string{"sms", "app_push"}
	campaignSegments = [numCampaigns]string{"buyers_sample_c0", "buyers_sample_c1"}
	// campaignAt is where in the window each campaign assigns its members
	// (a share of [Start, End), at 02:00 UTC of that day), at the latest 31
	// days before End so its outcome window is whole.
	campaignAt = [numCampaigns]float64{0.5, 0.75}
)

// campaignRow is one member's assignment to a campaign.
type campaignRow struct {
	member    int64
	campaign  int
	treatment bool
	variant   string // "A" or "B" for treatment, "" for control
	assigned  int64
	cost      int64 // cents
}

// group is treatment or control.
func (r *campaignRow) group() string {
	if r.treatment {
		return "treatment"
	}
	return "control"
}

// campaignTimes returns each campaign's assignment time (unix seconds), or
// ok false when the window is too short for a whole outcome window.
func campaignTimes(o *Options) (at [numCampaigns]int64, ok bool) {
	start, end := o.Start.Unix(), o.End.Unix()
	last := end - (campaignWindowDays+1)*secondsPerDay
	for i, f := range campaignAt {
		t := start + int64(f*float64(end-start))
		t = floorDiv(min(t, last), secondsPerDay)*secondsPerDay + 2*3600
		if t < start {
			return at, false
		}
		at[i] = t
	}
	return at, true
}

// campaigns assigns the member to each campaign: a buyer whose first
// purchase came before the assignment is targeted with probability
// Campaigns.TargetShare, then in treatment with probability
// Campaigns.TreatmentShare. A treatment member of the campaign with an
// effect gets, with probability Campaigns.ConversionLift, an extra paid
// order at a uniform time in the 30 days after assignment (amount drawn
// like the member's others, with nu). It draws a fixed number of values
// per campaign from its own stream, so assignments do not move other rows.
func (gen *generator) campaigns(idx, num int64, firstF, nu float64, channel string, homeStore int, c *chunk) {
	o := gen.o
	if !gen.campaignsOn {
		return
	}
	g := gen.g
	g.reset(o.Seed, uint64(idx), streamCampaigns)
	st := &c.stats
	for k := range numCampaigns {
		uTarget, uGroup, uVariant, uLift, uTime := g.Float64(), g.Float64(), g.Float64(), g.Float64(), g.Float64()
		at := gen.campaignAt[k]
		if math.IsInf(firstF, 1) || firstF >= float64(at) || uTarget >= o.Campaigns.TargetShare {
			continue
		}
		r := campaignRow{member: num, campaign: k, treatment: uGroup < o.Campaigns.TreatmentShare, assigned: at}
		cs := &st.campaigns[k]
		natural := false
		for _, t := range gen.paidAt {
			if t >= float64(at) && t < float64(at+campaignWindowDays*secondsPerDay) {
				natural = true
				break
			}
		}
		if r.treatment {
			r.variant = "A"
			if uVariant < 0.5 {
				r.variant = "B"
			}
			r.cost = o.Campaigns.CostCents
			cs.treatment++
			if natural {
				cs.treatmentNatural++
			}
		} else {
			cs.control++
			if natural {
				cs.controlNatural++
			}
		}
		if r.treatment && k == campaignWithEffect && uLift < o.Campaigns.ConversionLift {
			t := at + int64(uTime*campaignWindowDays*secondsPerDay)
			if t < int64(gen.end) {
				ord := gen.order(num, t, nu, channel, homeStore)
				ord.status = statusPaid
				c.orders = append(c.orders, ord)
				st.paid++
				st.paidCents += ord.amount
				cs.extraOrders++
				if !natural {
					cs.incremental++
				}
			}
		}
		c.campaigns = append(c.campaigns, r)
	}
}

// reached appends the opens and clicks of the member's campaign rows
// (unsorted) to c.events: each treatment member opens the campaign with
// probability Campaigns.OpenProb, 1 minute plus an exponential 6 hours
// (at most 2 days) after assigned_at, and clicks 5 seconds plus an
// exponential minute later with probability Events.CampaignClickProb.
// Control members are not contacted. It draws four values per row from
// its own stream, so the opens move no other row.
func (gen *generator) reached(idx, num int64, rows []campaignRow, c *chunk) {
	o := gen.o
	g := gen.g
	g.reset(o.Seed, uint64(idx), streamReached)
	for i := range rows {
		r := &rows[i]
		uOpen, wait, uClick, delay := g.Float64(), g.exp(6*3600), g.Float64(), g.exp(60)
		if !r.treatment || uOpen >= o.Campaigns.OpenProb {
			continue
		}
		t := r.assigned + 60 + int64(min(wait, 2*secondsPerDay))
		if float64(t) >= gen.end {
			continue
		}
		c.events = append(c.events, eventRow{member: num, t: t, typ: evCampaignOpen, prop: propAssigned, arg: int64(r.campaign)})
		c.stats.campaigns[r.campaign].opened++
		if uClick < o.Events.CampaignClickProb {
			if tc := t + 5 + int64(delay); float64(tc) < gen.end {
				c.events = append(c.events, eventRow{member: num, t: tc, typ: evCampaignClick, prop: propAssigned, arg: int64(r.campaign)})
			}
		}
	}
}

// campaignWithEffect is the index of the campaign with an effect (C1).
const campaignWithEffect = 1

// campaignStats counts one campaign's assignments and outcomes.
// Natural conversions are paid orders the member would have made anyway
// in the 30 days after assignment; incremental ones are treatment members
// converted only by the campaign's extra order.
type campaignStats struct {
	treatment, control               int64
	treatmentNatural, controlNatural int64
	extraOrders, incremental         int64
	opened                           int64 // treatment members with a campaign_open of it
}

func (s *campaignStats) merge(o *campaignStats) {
	s.treatment += o.treatment
	s.control += o.control
	s.treatmentNatural += o.treatmentNatural
	s.controlNatural += o.controlNatural
	s.extraOrders += o.extraOrders
	s.incremental += o.incremental
	s.opened += o.opened
}
