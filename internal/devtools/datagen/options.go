package datagen

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Format is an output file format.
type Format string

// The output formats. The file extension equals the format name.
const (
	FormatCSV     Format = "csv"
	FormatNDJSON  Format = "ndjson"
	FormatParquet Format = "parquet"
)

// ParseFormat returns the Format named s (csv, ndjson or parquet).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatCSV, FormatNDJSON, FormatParquet:
		return f, nil
	}
	return "", fmt.Errorf("%w: Format must be csv, ndjson or parquet, got %q", ErrInvalidOptions, s)
}

// BGNBD holds the parameters of the BG/NBD purchase process (Fader, Hardie
// and Lee 2005). Each ordering member draws a purchase rate
// lambda ~ Gamma(shape R, rate Alpha) in purchases per week and a dropout
// probability p ~ Beta(A, B). After the first purchase the member makes
// Poisson(lambda) repeat purchases while alive and drops out with
// probability p right after each repeat purchase.
type BGNBD struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// GammaGamma holds the parameters of the Gamma-Gamma spend model (Fader,
// Hardie and Lee 2005, Colombo and Jiang 1999). Each ordering member draws
// nu ~ Gamma(shape Q, rate V); the net amount of each of its paid orders is
// Gamma(shape P, rate nu). V is in currency units, so the mean order value
// is P*V/(Q-1) currency units.
type GammaGamma struct {
	P float64 `json:"p"`
	Q float64 `json:"q"`
	V float64 `json:"v"`
}

// MeanOrderValue is the population mean of a paid order's amount, P*V/(Q-1).
func (g GammaGamma) MeanOrderValue() float64 { return g.P * g.V / (g.Q - 1) }

// OrderParams shapes the order rows around the BG/NBD and Gamma-Gamma core.
type OrderParams struct {
	// FirstSameTimeShare is the share of ordering members whose first
	// purchase happens at the instant they join (sign-up at the till); the
	// others buy first after an exponential delay.
	FirstSameTimeShare float64 `json:"first_same_time_share"`
	// FirstDelayDays is the mean of that delay, in calendar days.
	FirstDelayDays float64 `json:"first_delay_mean_days"`
	// RefundShare is the probability that a paid order has an extra,
	// separate refunded order beside it (placed shortly after it).
	RefundShare float64 `json:"refund_share"`
	// CancelShare is the probability that a paid order has an extra,
	// separate cancelled order beside it (placed shortly before it).
	CancelShare float64 `json:"cancel_share"`
	// DiscountShare is the share of orders with a discount; a discount is
	// 5% to 30% of the gross value, and amount is what is left (net paid).
	DiscountShare float64 `json:"discount_share"`
	// Stores is the number of physical stores (store ids S001..).
	Stores int `json:"stores"`
}

// ItemParams shapes the order lines (items file).
type ItemParams struct {
	// Concentration is the total of the Dirichlet parameters of a
	// member's preference over the 40 leaf categories (each leaf gets
	// Concentration/40): small values make members favour few
	// categories, so the top one is recoverable from a few lines.
	Concentration float64 `json:"dirichlet_concentration"`
}

// CampaignParams shapes the campaign assignments (campaigns file): C0
// without an effect and C1 with one, each over a sample of the buyers.
type CampaignParams struct {
	// TargetShare is the share of buyers (first purchase before the
	// assignment) each campaign targets.
	TargetShare float64 `json:"target_share"`
	// TreatmentShare is the intended share of treatment among targeted
	// members; the rest is the control group.
	TreatmentShare float64 `json:"treatment_share"`
	// ConversionLift is the probability that a C1 treatment member gets
	// an extra paid order in the 30 days after assignment; the lift in
	// conversion is ConversionLift times the share of members who would
	// not have bought anyway (truth.json records the realised effect).
	ConversionLift float64 `json:"c1_extra_order_probability"`
	// CostCents is the cost of contacting one treatment member, in cents.
	CostCents int64 `json:"cost_cents"`
	// OpenProb is the chance that a treatment member opens the campaign's
	// message: a campaign_open event carrying the campaign's id, 1 minute
	// plus an exponential 6 hours (at most 2 days) after assigned_at, and
	// a campaign_click after it with probability Events.CampaignClickProb.
	// Control members are not contacted. Events.Scale does not scale it;
	// Events.Scale 0 writes no events at all.
	OpenProb float64 `json:"treatment_open_prob"`
}

// EventParams shapes the interaction events. Rates are per week of
// operational time (see Seasonality).
type EventParams struct {
	// Scale multiplies every event rate and probability of a campaign
	// open; 0 writes no events at all.
	Scale float64 `json:"scale"`
	// BaseSessionsPerWeek is the app or web session rate of any member
	// who is alive in the BG/NBD sense.
	BaseSessionsPerWeek float64 `json:"base_sessions_per_week"`
	// SessionsPerPurchase adds SessionsPerPurchase*lambda sessions a week,
	// so members who buy more visit more.
	SessionsPerPurchase float64 `json:"sessions_per_purchase"`
	// DecayDays is the time constant of the exponential decay of a
	// member's session rate and campaign open probability after dropout.
	DecayDays float64 `json:"decay_days"`
	// ProspectSessionsPerWeek is a prospect's initial session rate, which
	// decays with ProspectDecayDays to a floor of a tenth of
	// BaseSessionsPerWeek.
	ProspectSessionsPerWeek float64 `json:"prospect_sessions_per_week"`
	// ProspectDecayDays is the time constant of that decay.
	ProspectDecayDays float64 `json:"prospect_decay_days"`
	// CampaignOpenProb is the chance that an alive member opens the weekly
	// campaign (sent Tuesdays 02:00 UTC); it decays after dropout.
	CampaignOpenProb float64 `json:"campaign_open_prob"`
	// CampaignClickProb is the chance of a click given an open.
	CampaignClickProb float64 `json:"campaign_click_prob"`
	// ReviewProb, ShareProb and NPSProb are per paid order.
	ReviewProb float64 `json:"review_prob"`
	ShareProb  float64 `json:"share_prob"`
	NPSProb    float64 `json:"nps_prob"`
	// RedeemProb is the chance, per paid order, that a member holding at
	// least 500 points redeems them in whole hundreds.
	RedeemProb float64 `json:"redeem_prob"`
	// PointsExpiryDays is how long earned points stay valid: what is left
	// of a points_earned (redemptions use the oldest points first) is
	// written as points_expired that many days later. 0: points never expire.
	PointsExpiryDays int `json:"points_expiry_days"`
	// ReferralProb is the chance that an ordering member refers a friend
	// once while alive.
	ReferralProb float64 `json:"referral_prob"`
}

// Seasonality multiplies the intensity of every dated process (joins,
// purchases, sessions) by Weekly[weekday] * Yearly(day) * Hourly[hour],
// each normalised to a mean of 1 (see the calendar type for how this keeps
// the BG/NBD parameters recoverable).
type Seasonality struct {
	// Weekly holds relative weights Monday..Sunday (UTC days).
	Weekly [7]float64 `json:"weekly_mon_to_sun"`
	// Hourly holds relative weights for UTC hours 0..23.
	Hourly [24]float64 `json:"hourly_utc"`
	// YearlyAmplitude is the amplitude of a cosine over the year peaking
	// on day-of-year YearlyPeakDay (1-based, non-leap year numbering).
	YearlyAmplitude float64 `json:"yearly_amplitude"`
	YearlyPeakDay   int     `json:"yearly_peak_day"`
	// Holidays multiply single dates on top of the cosine.
	Holidays []Holiday `json:"holidays"`
}

// Holiday multiplies the intensity on one calendar date of every year.
type Holiday struct {
	Name       string     `json:"name"`
	Month      time.Month `json:"month"`
	Day        int        `json:"day"`
	Multiplier float64    `json:"multiplier"`
}

// Options configures Generate. Start from DefaultOptions and override
// fields; Validate reports every invalid field.
type Options struct {
	// Members is the number of members to write.
	Members int
	// Seed makes the output reproducible: the same Options give
	// byte-identical files.
	Seed uint64
	// Start and End bound the observation window [Start, End): members
	// join in it, and no order or event is dated at or after End.
	Start, End time.Time
	// Format is the file format of members, orders and events.
	Format Format
	// OutDir is created if missing; existing files of the same name are
	// replaced.
	OutDir string
	// Workers is the number of goroutines generating rows; 0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int

	// ProspectShare is the share of members who never order.
	ProspectShare float64
	// JoinGrowth is the ratio of the join rate one year later to the join
	// rate now (in operational time): 1 joins members uniformly, 1.5 grows
	// the daily joins by half every year.
	JoinGrowth float64

	Purchase BGNBD
	// PurchaseRateScale multiplies every member's purchase rate lambda;
	// 0 and 1 leave it alone. Since c*lambda ~ Gamma(R, Alpha/c), the
	// process stays exactly BG/NBD with Alpha divided by the scale: Generate
	// uses that Alpha throughout, and truth.json records the scale, the
	// original Alpha and the effective one (as bgnbd.alpha). It raises
	// the number of repeat orders (about 10M orders for 1M members at 50
	// over the default two years) and, through SessionsPerPurchase, the
	// session events; lower Events.Scale to keep events in check.
	PurchaseRateScale float64
	Spend             GammaGamma
	Orders            OrderParams
	Events            EventParams
	Season            Seasonality
	Items             ItemParams
	Campaigns         CampaignParams
}

// DefaultEnd is the default end of the observation window, fixed so that
// the default output does not depend on the day it is generated.
var DefaultEnd = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultOptions returns the defaults: 10,000 members over the two years
// before DefaultEnd, CSV into ./out, BG/NBD and Gamma-Gamma parameters
// close to the published CDNOW fits with amounts in CNY.
func DefaultOptions() Options {
	return Options{
		Members:       10_000,
		Seed:          1,
		Start:         DefaultEnd.AddDate(-2, 0, 0),
		End:           DefaultEnd,
		Format:        FormatCSV,
		OutDir:        "out",
		ProspectShare: 0.25,
		JoinGrowth:    1.3,
		// CDNOW (Fader, Hardie and Lee 2005): r=0.243, alpha=4.414 weeks,
		// a=0.793, b=2.426.
		Purchase: BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.4},
		// CDNOW Gamma-Gamma (Fader, Hardie and Lee 2005): p=6.25, q=3.74,
		// v=15.44 in USD. Amounts here are CNY at ten times the USD
		// figures, so v=150 and the mean order value is 300 CNY.
		Spend: GammaGamma{P: 6, Q: 4, V: 150},
		Orders: OrderParams{
			FirstSameTimeShare: 0.6,
			FirstDelayDays:     3,
			RefundShare:        0.03,
			CancelShare:        0.02,
			DiscountShare:      0.35,
			Stores:             120,
		},
		Events: EventParams{
			Scale:                   1,
			BaseSessionsPerWeek:     0.05,
			SessionsPerPurchase:     2,
			DecayDays:               45,
			ProspectSessionsPerWeek: 0.5,
			ProspectDecayDays:       60,
			CampaignOpenProb:        0.12,
			CampaignClickProb:       0.2,
			ReviewProb:              0.08,
			ShareProb:               0.03,
			NPSProb:                 0.05,
			RedeemProb:              0.15,
			PointsExpiryDays:        365,
			ReferralProb:            0.05,
		},
		Season: DefaultSeasonality(),
		Items:  ItemParams{Concentration: 2},
		// About +3 points of 30-day conversion for C1: 0.0325 times the
		// share (about 0.93) of members who would not have bought anyway.
		Campaigns: CampaignParams{TargetShare: 0.3, TreatmentShare: 0.9, ConversionLift: 0.0325, CostCents: 5, OpenProb: 0.3},
	}
}

// DefaultSeasonality is a retail pattern for a brand whose customers live
// in UTC+8: busier Fridays to Sundays, a cosine peaking in early December,
// spikes on 6.18, 11.11 and 12.12, and hours that peak at local lunch and
// evening (04 and 12-14 UTC) with quiet local nights (16-23 UTC).
func DefaultSeasonality() Seasonality {
	return Seasonality{
		Weekly: [7]float64{0.90, 0.88, 0.90, 0.95, 1.07, 1.20, 1.10},
		Hourly: [24]float64{
			0.9, 1.1, 1.3, 1.5, 1.7, 1.5, 1.3, 1.2, // 08-15 local
			1.2, 1.3, 1.4, 1.6, 1.9, 2.0, 1.8, 1.2, // 16-23 local
			0.6, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, // 00-07 local
		},
		YearlyAmplitude: 0.15,
		YearlyPeakDay:   340,
		Holidays: []Holiday{
			{Name: "618", Month: time.June, Day: 18, Multiplier: 1.8},
			{Name: "1110", Month: time.November, Day: 10, Multiplier: 1.4},
			{Name: "1111", Month: time.November, Day: 11, Multiplier: 2.5},
			{Name: "1112", Month: time.November, Day: 12, Multiplier: 1.4},
			{Name: "1212", Month: time.December, Day: 12, Multiplier: 1.5},
		},
	}
}

// FlatSeasonality has every weight 1: no seasonality at all.
func FlatSeasonality() Seasonality {
	var s Seasonality
	for i := range s.Weekly {
		s.Weekly[i] = 1
	}
	for i := range s.Hourly {
		s.Hourly[i] = 1
	}
	return s
}

// Validate reports every invalid field of o, each error naming the field;
// the errors wrap ErrInvalidOptions.
func (o Options) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s %s", ErrInvalidOptions, field, fmt.Sprintf(format, args...)))
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	positive := func(field string, x float64) {
		if !finite(x) || x <= 0 {
			bad(field, "must be > 0, got %v", x)
		}
	}
	share := func(field string, x float64) {
		if !finite(x) || x < 0 || x > 1 {
			bad(field, "must be in [0, 1], got %v", x)
		}
	}
	nonNegative := func(field string, x float64) {
		if !finite(x) || x < 0 {
			bad(field, "must be >= 0, got %v", x)
		}
	}

	if o.Members <= 0 {
		bad("Members", "must be > 0, got %d", o.Members)
	}
	if o.Start.IsZero() {
		bad("Start", "must be set")
	}
	if o.End.IsZero() {
		bad("End", "must be set")
	}
	if !o.Start.IsZero() && !o.End.IsZero() {
		if !o.End.After(o.Start) {
			bad("End", "must be after Start (%s), got %s", o.Start.UTC().Format(time.RFC3339), o.End.UTC().Format(time.RFC3339))
		} else if o.End.Sub(o.Start) > 50*366*24*time.Hour {
			bad("End", "must be at most 50 years after Start")
		}
		if o.Start.Year() < 1971 || o.End.Year() > 9000 {
			bad("Start", "and End must lie between 1971 and 9000")
		}
	}
	if _, err := ParseFormat(string(o.Format)); err != nil {
		errs = append(errs, err)
	}
	if o.OutDir == "" {
		bad("OutDir", "must be set")
	}
	if o.Workers < 0 {
		bad("Workers", "must be >= 0, got %d", o.Workers)
	}
	share("ProspectShare", o.ProspectShare)
	positive("JoinGrowth", o.JoinGrowth)

	positive("Purchase.R", o.Purchase.R)
	positive("Purchase.Alpha", o.Purchase.Alpha)
	positive("Purchase.A", o.Purchase.A)
	positive("Purchase.B", o.Purchase.B)
	nonNegative("PurchaseRateScale", o.PurchaseRateScale)
	if sc := o.PurchaseRateScale; finite(sc) && sc > 0 && !(o.Purchase.Alpha/sc > 0) {
		bad("PurchaseRateScale", "leaves no positive Purchase.Alpha (%v / %v)", o.Purchase.Alpha, sc)
	}
	positive("Spend.P", o.Spend.P)
	if !finite(o.Spend.Q) || o.Spend.Q <= 1 {
		bad("Spend.Q", "must be > 1 for a finite mean order value, got %v", o.Spend.Q)
	}
	positive("Spend.V", o.Spend.V)

	share("Orders.FirstSameTimeShare", o.Orders.FirstSameTimeShare)
	nonNegative("Orders.FirstDelayDays", o.Orders.FirstDelayDays)
	share("Orders.RefundShare", o.Orders.RefundShare)
	share("Orders.CancelShare", o.Orders.CancelShare)
	share("Orders.DiscountShare", o.Orders.DiscountShare)
	if o.Orders.Stores <= 0 || o.Orders.Stores > 9999 {
		bad("Orders.Stores", "must be in [1, 9999], got %d", o.Orders.Stores)
	}

	e := o.Events
	nonNegative("Events.Scale", e.Scale)
	nonNegative("Events.BaseSessionsPerWeek", e.BaseSessionsPerWeek)
	nonNegative("Events.SessionsPerPurchase", e.SessionsPerPurchase)
	positive("Events.DecayDays", e.DecayDays)
	nonNegative("Events.ProspectSessionsPerWeek", e.ProspectSessionsPerWeek)
	positive("Events.ProspectDecayDays", e.ProspectDecayDays)
	share("Events.CampaignOpenProb", e.CampaignOpenProb)
	if e.Scale*e.CampaignOpenProb > 1 {
		bad("Events.Scale", "times Events.CampaignOpenProb must be <= 1, got %v", e.Scale*e.CampaignOpenProb)
	}
	share("Events.CampaignClickProb", e.CampaignClickProb)
	share("Events.ReviewProb", e.ReviewProb)
	share("Events.ShareProb", e.ShareProb)
	share("Events.NPSProb", e.NPSProb)
	share("Events.RedeemProb", e.RedeemProb)
	if e.PointsExpiryDays < 0 {
		bad("Events.PointsExpiryDays", "must not be negative, got %d", e.PointsExpiryDays)
	}
	share("Events.ReferralProb", e.ReferralProb)

	positive("Items.Concentration", o.Items.Concentration)
	share("Campaigns.TargetShare", o.Campaigns.TargetShare)
	if t := o.Campaigns.TreatmentShare; !finite(t) || t <= 0 || t >= 1 {
		bad("Campaigns.TreatmentShare", "must be in (0, 1), got %v", t)
	}
	share("Campaigns.ConversionLift", o.Campaigns.ConversionLift)
	if o.Campaigns.CostCents < 0 {
		bad("Campaigns.CostCents", "must be >= 0, got %d", o.Campaigns.CostCents)
	}
	share("Campaigns.OpenProb", o.Campaigns.OpenProb)

	s := o.Season
	for i, w := range s.Weekly {
		positive(fmt.Sprintf("Season.Weekly[%d]", i), w)
	}
	for i, w := range s.Hourly {
		positive(fmt.Sprintf("Season.Hourly[%d]", i), w)
	}
	if !finite(s.YearlyAmplitude) || s.YearlyAmplitude < 0 || s.YearlyAmplitude >= 1 {
		bad("Season.YearlyAmplitude", "must be in [0, 1), got %v", s.YearlyAmplitude)
	}
	if s.YearlyPeakDay < 0 || s.YearlyPeakDay > 365 {
		bad("Season.YearlyPeakDay", "must be in [0, 365], got %d", s.YearlyPeakDay)
	}
	for i, h := range s.Holidays {
		field := fmt.Sprintf("Season.Holidays[%d]", i)
		if h.Month < time.January || h.Month > time.December || h.Day < 1 || h.Day > 31 ||
			time.Date(2023, h.Month, h.Day, 0, 0, 0, 0, time.UTC).Day() != h.Day {
			bad(field, "must be a date of a non-leap year, got month %d day %d", h.Month, h.Day)
		}
		positive(field+".Multiplier", h.Multiplier)
	}
	return errors.Join(errs...)
}
