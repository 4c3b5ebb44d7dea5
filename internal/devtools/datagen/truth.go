package datagen

import (
	"fmt"
	"math"
	"time"
)

// TruthSchemaVersion is the version of the truth.json layout.
const TruthSchemaVersion = 1

// Truth is the content of truth.json: every parameter the generator used,
// the counts it wrote, aggregate checks of the models against the closed
// forms, each member's top category and the campaigns' true effects.
// Other per-member truth (lambda, p, nu, dropout time) is not written.
// Truth depends only on the Options, so it is reproducible too.
type Truth struct {
	Generator     string            `json:"generator"`
	SchemaVersion int               `json:"schema_version"`
	Seed          uint64            `json:"seed"`
	Format        Format            `json:"format"`
	Files         map[string]string `json:"files"`
	Currency      string            `json:"currency"`
	Window        TruthWindow       `json:"window"`
	Counts        TruthCounts       `json:"counts"`
	Parameters    TruthParameters   `json:"parameters"`
	Checks        []Check           `json:"checks"`
	Categories    TruthCategories   `json:"categories"`
	Campaigns     []TruthCampaign   `json:"campaigns"`
	Points        TruthPoints       `json:"points"`
	Notes         []string          `json:"notes"`
}

// TruthCategories is the category tree and each member's preference.
type TruthCategories struct {
	Description string `json:"description"`
	// Leaves are the leaf category paths; a leaf's number is its index.
	Leaves []string `json:"leaves"`
	// TopLeafByMember[i] is the leaf with the largest preference weight
	// of member number i+1 (M%09d), prospects included.
	TopLeafByMember []int `json:"top_leaf_by_member"`
}

// TruthCampaign is one campaign's assignment and true effect on the
// 30-day conversion (a paid order in [assigned_at, assigned_at + 30 days)).
type TruthCampaign struct {
	CampaignID string    `json:"campaign_id"`
	AssignedAt time.Time `json:"assigned_at"`
	// TreatmentShare is the intended share of treatment.
	TreatmentShare float64 `json:"intended_treatment_share"`
	Treatment      int64   `json:"treatment"`
	Control        int64   `json:"control"`
	// Natural conversions would have happened without the campaign.
	TreatmentNaturalConversions int64 `json:"treatment_natural_conversions"`
	ControlNaturalConversions   int64 `json:"control_natural_conversions"`
	// ExtraOrders are the campaign's extra paid orders; Incremental the
	// treatment members converted only by one.
	ExtraOrders int64 `json:"extra_orders"`
	Incremental int64 `json:"incremental_conversions"`
	// OpenProb is the chance that a treatment member opens the campaign
	// (a campaign_open event carrying its id, within 2 days of
	// assigned_at); TreatmentOpened counts those who did. Control
	// members are never contacted.
	OpenProb        float64 `json:"treatment_open_prob"`
	TreatmentOpened int64   `json:"treatment_opened"`
	// Effect is the realised effect on the treated, in proportion points:
	// Incremental / Treatment (0 for a campaign without an effect).
	Effect float64 `json:"effect_on_treated"`
	// ExpectedEffect is extra_order_probability times the share of
	// treatment members who would not have converted.
	ExpectedEffect float64 `json:"expected_effect"`
	Description    string  `json:"description"`
}

// TruthPoints are the programme's points totals over the whole window:
// the sums of the value of every points_earned, points_redeemed and
// points_expired written, and the expiry rule that produced the expiries.
type TruthPoints struct {
	ExpiryDays  int     `json:"expiry_days"`
	Earned      float64 `json:"earned"`
	Redeemed    float64 `json:"redeemed"`
	Expired     float64 `json:"expired"`
	Outstanding float64 `json:"outstanding_at_end"`
	Description string  `json:"description"`
}

// TruthWindow is the observation window in calendar and operational time.
type TruthWindow struct {
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	CalendarDays    float64   `json:"calendar_days"`
	OperationalDays float64   `json:"operational_days"`
	Description     string    `json:"description"`
}

// TruthCounts are the numbers of members, orders and events written.
type TruthCounts struct {
	Members                     int64            `json:"members"`
	Prospects                   int64            `json:"prospects"`
	Buyers                      int64            `json:"buyers"`
	BuyersFirstPurchaseAfterEnd int64            `json:"buyers_first_purchase_after_end"`
	BuyersWithOrders            int64            `json:"buyers_with_orders"`
	Dropouts                    int64            `json:"dropouts_before_end"`
	Orders                      int64            `json:"orders"`
	PaidOrders                  int64            `json:"paid_orders"`
	RefundedOrders              int64            `json:"refunded_orders"`
	CancelledOrders             int64            `json:"cancelled_orders"`
	RepeatPaidOrders            int64            `json:"repeat_paid_orders"`
	SameDayShifted              int64            `json:"same_day_shifted_orders"`
	SameDayCollisions           int64            `json:"same_day_collisions"`
	Events                      int64            `json:"events"`
	Items                       int64            `json:"items"`
	CampaignAssignments         int64            `json:"campaign_assignments"`
	CampaignExtraOrders         int64            `json:"campaign_extra_paid_orders"`
	EventsByType                map[string]int64 `json:"events_by_type"`
}

// TruthParameters are the generator's parameters, with units.
type TruthParameters struct {
	ProspectShare float64 `json:"prospect_share"`
	JoinGrowth    float64 `json:"join_growth_per_year"`
	Purchase      BGNBD   `json:"bgnbd"`
	// PurchaseRateScale and AlphaBeforeScale are set only when
	// Options.PurchaseRateScale scaled lambda; Purchase.Alpha is then the
	// effective rate AlphaBeforeScale / PurchaseRateScale.
	PurchaseRateScale float64           `json:"purchase_rate_scale,omitempty"`
	AlphaBeforeScale  float64           `json:"bgnbd_alpha_before_scale,omitempty"`
	Spend             GammaGamma        `json:"gamma_gamma"`
	Orders            OrderParams       `json:"orders"`
	Events            EventParams       `json:"events"`
	Season            TruthSeason       `json:"seasonality"`
	Units             map[string]string `json:"units"`
}

// TruthSeason is the seasonality as applied: the weights normalised to
// mean 1, and how the warp works.
type TruthSeason struct {
	Description     string      `json:"description"`
	Weekly          [7]float64  `json:"weekly_mon_to_sun"`
	Hourly          [24]float64 `json:"hourly_utc"`
	YearlyAmplitude float64     `json:"yearly_amplitude"`
	YearlyPeakDay   int         `json:"yearly_peak_day"`
	Holidays        []Holiday   `json:"holidays"`
	YearlyFactor    float64     `json:"yearly_normalisation"`
}

// Check compares an observed aggregate with its expectation under the
// truth parameters. Tolerance, when positive, is four standard deviations
// of the observed value around the expectation.
type Check struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	N           int64   `json:"n"`
	Expected    float64 `json:"expected"`
	Observed    float64 `json:"observed"`
	Tolerance   float64 `json:"tolerance"`
}

// Within reports whether the check's observed value is within its
// tolerance of the expectation (true when it has no tolerance).
func (c Check) Within() bool {
	return c.Tolerance <= 0 || math.Abs(c.Observed-c.Expected) <= c.Tolerance
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func newTruth(o *Options, cal *calendar, s *stats) Truth {
	opSt, opEnd := cal.op(float64(o.Start.Unix())), cal.op(float64(o.End.Unix()))
	t := Truth{
		Generator:     "memberlytics datagen",
		SchemaVersion: TruthSchemaVersion,
		Seed:          o.Seed,
		Format:        o.Format,
		Files:         map[string]string{},
		Currency:      "CNY",
		Window: TruthWindow{
			Start:           o.Start,
			End:             o.End,
			CalendarDays:    round6(o.End.Sub(o.Start).Hours() / 24),
			OperationalDays: round6(opEnd - opSt),
			Description: "[start, end): members join in it and nothing is dated at or after end. " +
				"Processes run in operational time (see parameters.seasonality); operational_days is the window's length there.",
		},
	}
	for _, name := range tableNames {
		t.Files[name] = name + "." + string(o.Format)
	}

	byType := map[string]int64{}
	for i, n := range s.eventsByType {
		byType[eventTypeNames[i]] = n
	}
	t.Counts = TruthCounts{
		Members:                     s.members,
		Prospects:                   s.prospects,
		Buyers:                      s.buyers,
		BuyersFirstPurchaseAfterEnd: s.buyersFirstAfterEnd,
		BuyersWithOrders:            s.observedBuyers(),
		Dropouts:                    s.dropouts,
		Orders:                      s.paid + s.refunded + s.cancelled,
		PaidOrders:                  s.paid,
		RefundedOrders:              s.refunded,
		CancelledOrders:             s.cancelled,
		RepeatPaidOrders:            s.repeats,
		SameDayShifted:              s.shifted,
		SameDayCollisions:           s.collisions,
		Events:                      s.events,
		Items:                       s.items,
		CampaignAssignments:         s.campaignRows(),
		CampaignExtraOrders:         s.campaigns[campaignWithEffect].extraOrders,
		EventsByType:                byType,
	}

	t.Points = TruthPoints{
		ExpiryDays:  o.Events.PointsExpiryDays,
		Earned:      s.valueByType[evPointsEarned],
		Redeemed:    s.valueByType[evPointsRedeemed],
		Expired:     s.valueByType[evPointsExpired],
		Outstanding: s.valueByType[evPointsEarned] - s.valueByType[evPointsRedeemed] - s.valueByType[evPointsExpired],
		Description: "Each paid order earns floor(amount) points (points_earned, one lot per order). A member holding at least 500 points redeems " +
			"whole hundreds with probability redeem_prob at a later paid order (points_redeemed), using the oldest lots first; what is left of a lot " +
			"expires expiry_days after it was earned (points_expired; 0 = never). Totals are over [start, end); outstanding = earned - redeemed - expired.",
	}

	season := TruthSeason{
		Description: "Time warp. Every dated process (joins, BG/NBD purchases, sessions) is a homogeneous process in operational time; " +
			"one calendar day of weekday w and date d lasts weekly[w]*yearly(d) operational days, spread over its UTC hours in proportion to hourly[h]. " +
			"Weekly has mean 1 over a week, hourly over a day, yearly(d) = (1 + amplitude*cos(2*pi*(day_of_year - peak_day)/365)) * holiday multiplier, divided by " +
			"yearly_normalisation so its mean over a non-leap year is 1 (Feb 29 repeats Feb 28). So an operational day is a calendar day on average, " +
			"a Poisson rate of lambda per operational week has long-run calendar mean lambda, and the BG/NBD count of a member observed from its " +
			"first purchase t0 to end is exactly BG/NBD for T = op(end) - op(t0) operational weeks. Campaign sends are fixed: Tuesdays 02:00 UTC.",
		Weekly:          [7]float64{},
		Hourly:          [24]float64{},
		YearlyAmplitude: o.Season.YearlyAmplitude,
		YearlyPeakDay:   o.Season.YearlyPeakDay,
		Holidays:        o.Season.Holidays,
	}
	var wsum float64
	for _, w := range o.Season.Weekly {
		wsum += w
	}
	for i, w := range o.Season.Weekly {
		season.Weekly[i] = round6(w * 7 / wsum)
	}
	for i, w := range cal.hourW {
		season.Hourly[i] = round6(w * 24)
	}
	// The normalisation: the raw yearly factor of any day over its
	// normalised value.
	ref := time.Date(2023, time.July, 1, 0, 0, 0, 0, time.UTC)
	i := ref.YearDay() - 1
	raw := 1 + o.Season.YearlyAmplitude*math.Cos(2*math.Pi*float64(i+1-o.Season.YearlyPeakDay)/365)
	season.YearlyFactor = round6(raw / cal.yearly[i])
	if season.Holidays == nil {
		season.Holidays = []Holiday{}
	}

	t.Parameters = TruthParameters{
		ProspectShare: o.ProspectShare,
		JoinGrowth:    o.JoinGrowth,
		Purchase:      o.Purchase,
		Spend:         o.Spend,
		Orders:        o.Orders,
		Events:        o.Events,
		Season:        season,
		Units: map[string]string{
			"bgnbd.r":              "shape of the Gamma distribution of lambda, dimensionless",
			"bgnbd.alpha":          "rate of the Gamma distribution of lambda, in operational weeks (lambda is purchases per week; E[lambda] = r/alpha)",
			"bgnbd.a, bgnbd.b":     "Beta distribution of the dropout probability p, dimensionless; dropout is drawn after each repeat purchase, never after the first",
			"gamma_gamma.p, q":     "dimensionless shapes: nu ~ Gamma(q, rate v), order amount ~ Gamma(p, rate nu)",
			"gamma_gamma.v":        "CNY (amounts are CNY, ten times the USD scale of the CDNOW fit); mean order value p*v/(q-1)",
			"amount, discount":     "CNY with 2 decimals; amount is net paid, discount is on top (gross = amount + discount)",
			"join_growth_per_year": "ratio of the daily join rate one operational year later",
			"events rates":         "per operational week; decay constants in operational days",
			"times":                "UTC, whole seconds",
		},
	}

	n := float64(s.observedBuyers())
	expRepeats, expRepeatBuyers, varRepeatBuyers := s.expectations(o.Purchase)
	meanX := 0.0
	if n > 0 {
		meanX = float64(s.repeats) / n
	}
	// The repeat counts' sample sd stands in for the population sd: the
	// tolerance of a sum of n independent counts is 4*sd*sqrt(n).
	sdX := sampleSD(n, float64(s.repeats), s.repeatsSq)
	t.Checks = []Check{
		{
			Name: "repeat_buyers",
			Description: "buyers with at least one repeat paid order (on a later day than the first) before end; expected sum over buyers of " +
				"1 - (alpha/(alpha+T))^r with T each buyer's operational weeks from first purchase to end",
			N: s.observedBuyers(), Expected: round6(expRepeatBuyers), Observed: float64(s.repeatBuyers),
			Tolerance: round6(4 * math.Sqrt(varRepeatBuyers)),
		},
		{
			Name:        "repeat_purchases",
			Description: "repeat paid orders (all paid orders minus one per buyer); expected sum over buyers of E[X(T)], the BG/NBD closed form",
			N:           s.observedBuyers(), Expected: round6(expRepeats), Observed: float64(s.repeats),
			Tolerance: round6(4 * sdX * math.Sqrt(n)),
		},
		{
			Name:        "mean_repeats",
			Description: "mean repeat paid orders per buyer; expected mean of E[X(T)] over buyers",
			N:           s.observedBuyers(), Expected: round6(expRepeats / max(n, 1)), Observed: round6(meanX),
			Tolerance: round6(4 * sdX / math.Sqrt(max(n, 1))),
		},
	}
	if s.win52Members > 0 {
		m := float64(s.win52Members)
		p0 := ProbNoRepeat(o.Purchase, 52)
		t.Checks = append(t.Checks,
			Check{
				Name:        "zero_repeat_share_52w",
				Description: "share of buyers observed for at least 52 operational weeks with no repeat purchase in the first 52 weeks; expected (alpha/(alpha+52))^r",
				N:           s.win52Members, Expected: round6(p0), Observed: round6(float64(s.win52Zero) / m),
				Tolerance: round6(4 * math.Sqrt(p0*(1-p0)/m)),
			},
			Check{
				Name:        "mean_repeats_52w",
				Description: "mean repeat purchases in the first 52 operational weeks of those buyers; expected E[X(52)]",
				N:           s.win52Members, Expected: round6(ExpectedRepeats(o.Purchase, 52)), Observed: round6(float64(s.win52Repeats) / m),
				Tolerance: round6(4 * sampleSD(m, float64(s.win52Repeats), s.win52Sq) / math.Sqrt(m)),
			},
		)
	}
	if n > 0 {
		sd := OrderValueSD(o.Spend)
		t.Checks = append(t.Checks,
			Check{
				Name:        "mean_first_order_value",
				Description: "mean amount of each buyer's first paid order (one per buyer, independent); expected p*v/(q-1)",
				N:           s.observedBuyers(), Expected: round6(o.Spend.MeanOrderValue()), Observed: round6(s.firstAmountSum / n),
				Tolerance: round6(4 * sd / math.Sqrt(n)),
			},
			Check{
				Name: "mean_paid_order_value",
				Description: "mean amount over all paid orders; expected p*v/(q-1) since nu is independent of lambda and p " +
					"(orders of one member share nu, so no simple tolerance)",
				N: s.paid, Expected: round6(o.Spend.MeanOrderValue()), Observed: round6(float64(s.paidCents) / 100 / float64(s.paid)),
			},
			Check{
				Name: "same_day_collision_share",
				Description: "share of repeat paid orders on the same UTC day as the member's previous paid order (the next-day move " +
					"would have crossed end); a further same_day_shifted_orders were moved to the next day",
				N: s.repeats, Expected: 0, Observed: round6(float64(s.collisions) / max(float64(s.repeats), 1)),
			},
		)
	}

	t.Categories = TruthCategories{
		Description: fmt.Sprintf("Each member has a preference over the %d leaves, Dirichlet with parameter %g/%d on every leaf (items.dirichlet_concentration); "+
			"every order line's category is drawn from it. top_leaf_by_member[i] is the argmax of member M%%09d(i+1)'s weights.", len(categoryLeaves), o.Items.Concentration, len(categoryLeaves)),
		Leaves:          categoryLeaves,
		TopLeafByMember: make([]int, len(s.topLeaf)),
	}
	for i, l := range s.topLeaf {
		t.Categories.TopLeafByMember[i] = int(l)
	}
	t.Campaigns = []TruthCampaign{}
	if at, ok := campaignTimes(o); ok {
		for k, cs := range s.campaigns {
			tc := TruthCampaign{
				CampaignID: campaignIDs[k], AssignedAt: time.Unix(at[k], 0).UTC(), TreatmentShare: o.Campaigns.TreatmentShare,
				Treatment: cs.treatment, Control: cs.control,
				TreatmentNaturalConversions: cs.treatmentNatural, ControlNaturalConversions: cs.controlNatural,
				ExtraOrders: cs.extraOrders, Incremental: cs.incremental,
				OpenProb: o.Campaigns.OpenProb, TreatmentOpened: cs.opened,
				Description: "no effect: treatment and control convert alike",
			}
			if cs.treatment > 0 {
				tc.Effect = round6(float64(cs.incremental) / float64(cs.treatment))
			}
			if k == campaignWithEffect {
				tc.Description = fmt.Sprintf("each treatment member gets an extra paid order at a uniform time in the 30 days after assigned_at with probability %g "+
					"(a conversion only for those who would not have bought anyway)", o.Campaigns.ConversionLift)
				if cs.treatment > 0 {
					tc.ExpectedEffect = round6(o.Campaigns.ConversionLift * (1 - float64(cs.treatmentNatural)/float64(cs.treatment)))
				}
			}
			t.Campaigns = append(t.Campaigns, tc)
		}
	}

	t.Notes = []string{
		"member_id is M%09d of the 1-based member number; order_id is O%09d-%d and event_id E%09d-%d with the member number and the 1-based rank of the row among the member's orders or events by time. Keys are unique; no row is repeated with a later updated_at.",
		"A share prospect_share of members never orders. Every other member buys first at the instant of joining (share first_same_time_share) or after an exponential delay with mean first_delay_mean_days calendar days; if that falls at or after end it has no orders (buyers_first_purchase_after_end).",
		"Repeat purchases follow BG/NBD exactly in operational time: lambda ~ Gamma(r, alpha) per week, p ~ Beta(a, b), Poisson(lambda) purchases while alive, dropout with probability p after each repeat purchase.",
		"At most one paid order per member and UTC day: a repeat purchase on the day of the previous one moves to the next day at the same time of day, unless that crosses end (same_day_collisions). Counts of repeat purchases are untouched, so distinct purchase days follow BG/NBD; purchase times move by under a day per step.",
		"Each paid order amount ~ Gamma(p, rate nu) with nu ~ Gamma(q, rate v) per member, rounded to cents (at least 0.01). A share discount_share of orders has a discount of 5-30% of the gross value on top of amount.",
		"Refunded and cancelled orders are additional rows beside the paid ones (refunded: placed an exponential 2 days after a paid order, updated 1-14 days later; cancelled: placed 5 minutes to 3 hours before a paid order, updated within 30 minutes). Their amount is the value of the order that was refunded or never paid; only status paid is revenue, and the paid orders alone follow the models.",
		"Events are not part of any closed-form check; their intensity follows the member's latent state (see parameters.events): alive members have sessions at base + sessions_per_purchase*lambda per week, dropped-out members a tail decaying with decay_days, prospects a decaying start. Every paid order has one points_earned event worth floor(amount).",
		"Every order (paid, refunded, cancelled) has 1 + Poisson(0.7) lines (at most its items), its items spread over them as quantities; each line's category is drawn from the member's preference (see categories) and the order's amount is split over its lines in whole cents, so the lines of an order sum exactly to its amount (net of the discount). items.csv has no member_id: the loader takes it from orders.",
		"Campaigns C0 and C1 each target a share campaigns.target_share of the members whose first purchase came before assigned_at, split treatment/control by intended_treatment_share. C0 has no effect. A C1 treatment member gets, with probability campaigns.c1_extra_order_probability, an extra paid order (amount drawn like the member's others) at a uniform time in the 30 days after assigned_at: these campaign_extra_paid_orders are in paid_orders but not in the BG/NBD counts or checks. Conversion = a paid order in [assigned_at, assigned_at + 30 days); effect_on_treated is the realised difference it made. A treatment member opens the campaign with probability treatment_open_prob: a campaign_open event whose properties carry the campaign's id ({\"campaign_id\":\"C1\"}) 1 minute plus an exponential 6 hours (at most 2 days) after assigned_at, then a campaign_click with probability events.campaign_click_prob; control members get none. These are apart from the weekly campaigns (ids C + the send date), and neither kind changes any order.",
		"source_tier is empty for about 35% of members; otherwise a noisy bucket of lambda times the mean order value (bronze < 2, silver < 10, gold < 40 CNY a week, platinum above), prospects bronze. birthday is empty for about 20%.",
	}
	return t
}

// recordRateScale records Options.PurchaseRateScale when it scaled lambda
// (o.Purchase.Alpha is then already the effective rate). Unscaled runs
// are left untouched, so their truth.json does not change.
func (t *Truth) recordRateScale(o *Options, baseAlpha float64) {
	sc := o.PurchaseRateScale
	if sc <= 0 || sc == 1 {
		return
	}
	t.Parameters.PurchaseRateScale = sc
	t.Parameters.AlphaBeforeScale = baseAlpha
	t.Notes = append(t.Notes, fmt.Sprintf("purchase_rate_scale %g multiplied every lambda: lambda ~ Gamma(r, %g/%g), so bgnbd.alpha is %g and every check above uses it. "+
		"Session events grow with lambda through events.sessions_per_purchase.", sc, baseAlpha, sc, o.Purchase.Alpha))
}
