package campaigns

import (
	"errors"
	"hash/fnv"
	"slices"
	"time"

	"github.com/memberlytics/memberlytics/models/uplift"
)

// Evidence labels how a campaign's uplift was estimated.
const (
	// Randomised: treatment against the campaign's own control group.
	Randomised = "randomised"
	// PrePost: no control group; the targeted members' change from the
	// pre window to the attribution window against the change of matched
	// non-targeted members (difference in differences). Weaker evidence:
	// the matching balances only the value layer.
	PrePost = "pre_post"
)

// Group names in campaign_results.
const (
	Treatment = "treatment"
	Control   = "control"
	Matched   = "matched"
)

// Group is what ClickHouse returns for one campaign, group and variant:
// counts, sums and the non-zero per-member values (the zeros are implied
// by Members).
type Group struct {
	Campaign, Group, Variant string
	Members, Converters      uint64
	Orders                   uint64
	Revenue                  float64
	FirstAssigned            time.Time
	LastAssigned             time.Time
	Cost                     float64
	Upgrades                 uint64
	// Gained and Lost count members who converted in the window but not
	// in the pre window, and the reverse (pre_post).
	Gained, Lost uint64
	// Revenues are the non-zero window revenues per member; Deltas the
	// non-zero window minus pre-window revenues per member.
	Revenues, Deltas []float64
	// Funnel: flagged near an upgrade before the campaign, then reached,
	// purchased and upgraded (see campaign_funnel).
	Flagged, Reached, Purchased, Upgraded uint64
}

// merge adds o to g (the all-variants row of a group).
func (g *Group) merge(o Group) {
	if g.Members == 0 || o.FirstAssigned.Before(g.FirstAssigned) {
		g.FirstAssigned = o.FirstAssigned
	}
	if o.LastAssigned.After(g.LastAssigned) {
		g.LastAssigned = o.LastAssigned
	}
	g.Members += o.Members
	g.Converters += o.Converters
	g.Orders += o.Orders
	g.Revenue += o.Revenue
	g.Cost += o.Cost
	g.Upgrades += o.Upgrades
	g.Gained += o.Gained
	g.Lost += o.Lost
	g.Revenues = append(g.Revenues, o.Revenues...)
	g.Deltas = append(g.Deltas, o.Deltas...)
	g.Flagged += o.Flagged
	g.Reached += o.Reached
	g.Purchased += o.Purchased
	g.Upgraded += o.Upgraded
}

// withZeros is x padded with zeros to n values.
func withZeros(x []float64, n uint64) []float64 {
	v := make([]float64, n)
	copy(v, x)
	return v
}

// Uplift is a treatment row's comparison with the comparison group; a
// nil pointer is a NULL column.
type Uplift struct {
	Conversion, ConversionLo, ConversionHi, ConversionP *float64
	ConversionBootLo, ConversionBootHi                  *float64
	RPM, RPMLo, RPMHi, RPMP                             *float64
	RPMBootLo, RPMBootHi                                *float64
	IncrementalConversions, IncrementalRevenue, ROI     *float64
}

func ptr(x float64) *float64 { return &x }

// Compare estimates the uplift of treatment t over comparison c: for
// Randomised the difference in conversion rates (two-proportion z-test,
// Wald interval) and in revenue per member (Welch), for PrePost the
// difference in differences of both, by Welch's test on the per-member
// changes; each also by a percentile bootstrap of reps resamples with
// seed. A statistic that is undefined on the data (an empty group,
// constant values) is left nil.
func Compare(evidence string, t, c Group, reps int, seed uint64) Uplift {
	var u Uplift
	if t.Members == 0 || c.Members == 0 {
		return u
	}
	n1, n2 := int64(t.Members), int64(c.Members)
	if evidence == Randomised {
		if d, err := uplift.DiffProportions(int64(t.Converters), n1, int64(c.Converters), n2); err == nil {
			u.Conversion, u.ConversionLo, u.ConversionHi, u.ConversionP = ptr(d.Diff), ptr(d.CI.Lo), ptr(d.CI.Hi), ptr(d.P)
		}
		if b, err := uplift.BootstrapProportions(int64(t.Converters), n1, int64(c.Converters), n2, reps, seed); err == nil {
			u.ConversionBootLo, u.ConversionBootHi = ptr(b.CI.Lo), ptr(b.CI.Hi)
		}
		a, b := withZeros(t.Revenues, t.Members), withZeros(c.Revenues, c.Members)
		u.RPM, u.RPMLo, u.RPMHi, u.RPMP, u.RPMBootLo, u.RPMBootHi = means(a, b, reps, seed)
	} else {
		a, b := changes(t), changes(c)
		u.Conversion, u.ConversionLo, u.ConversionHi, u.ConversionP, u.ConversionBootLo, u.ConversionBootHi = means(a, b, reps, seed)
		a, b = withZeros(t.Deltas, t.Members), withZeros(c.Deltas, c.Members)
		u.RPM, u.RPMLo, u.RPMHi, u.RPMP, u.RPMBootLo, u.RPMBootHi = means(a, b, reps, seed)
	}
	if u.Conversion != nil {
		u.IncrementalConversions = ptr(*u.Conversion * float64(t.Members))
	}
	if u.RPM != nil {
		u.IncrementalRevenue = ptr(*u.RPM * float64(t.Members))
		if t.Cost > 0 {
			u.ROI = ptr((*u.IncrementalRevenue - t.Cost) / t.Cost)
		}
	}
	return u
}

// changes is each member's change in conversion from the pre window to
// the attribution window: Gained ones +1, Lost ones -1, the rest 0.
func changes(g Group) []float64 {
	v := make([]float64, g.Members)
	for i := range g.Gained {
		v[i] = 1
	}
	for i := range g.Lost {
		v[g.Gained+i] = -1
	}
	return v
}

// means is Welch's test of a against b and the bootstrap interval of the
// difference of their means; nils where the test is undefined.
func means(a, b []float64, reps int, seed uint64) (diff, lo, hi, p, bootLo, bootHi *float64) {
	w, err := uplift.Welch(a, b)
	if err != nil {
		return
	}
	diff, lo, hi, p = ptr(w.Diff), ptr(w.CI.Lo), ptr(w.CI.Hi), ptr(w.P)
	if bs, err := uplift.BootstrapMeans(a, b, reps, seed); err == nil {
		bootLo, bootHi = ptr(bs.CI.Lo), ptr(bs.CI.Hi)
	}
	return
}

// SRM tests a randomised campaign's treatment and control sizes against
// the intended treatment share.
func SRM(treatment, control uint64, share float64) (uplift.SRM, error) {
	if treatment+control == 0 {
		return uplift.SRM{}, errors.New("sample ratio mismatch: the campaign has no members")
	}
	return uplift.SampleRatioMismatch([]int64{int64(treatment), int64(control)}, []float64{share, 1 - share})
}

// seedFor derives a row's bootstrap seed from the configured seed, the
// campaign and the variant, so each row has its own stream and a re-run
// gives the same intervals.
func seedFor(seed uint64, campaign, variant string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(campaign + "\x00" + variant))
	return seed ^ h.Sum64()
}

// Result is one row of campaign_results.
type Result struct {
	Campaign, Evidence, Group, Variant string
	Stats                              Group
	WindowComplete                     bool
	// UpgradesKnown is false when no tiers partition precedes the
	// campaign (tier_upgrades NULL).
	UpgradesKnown bool
	Uplift        Uplift
	// Share, SRMP are nil for pre_post.
	Share, SRMP *float64
	SRMMismatch bool
}

// FunnelRow is one row of campaign_funnel.
type FunnelRow struct {
	Campaign, Group string
	StepNo          uint8
	Step            string
	Members         uint64
	RateOfFlagged   *float64
	RateOfPrevious  *float64
	Uplift, UpliftP *float64
}

// Campaign is one campaign's groups as read, before the rollup.
type Campaign struct {
	ID string
	// Groups are the (group, variant) rows ClickHouse returned.
	Groups []Group
	// TiersKnown: a tiers partition precedes the campaign.
	TiersKnown bool
	// Share is the intended treatment share (randomised).
	Share float64
}

// rollup returns the group's rows: each variant, plus the all-variants
// row (variant "") when the group has more than one variant or a named
// one. A member without a variant in a group with variants is shown as
// variant "none".
func rollup(name string, rows []Group) (all Group, variants []Group) {
	all = Group{Campaign: rows[0].Campaign, Group: name}
	for _, r := range rows {
		all.merge(r)
	}
	slices.Sort(all.Revenues)
	slices.Sort(all.Deltas)
	if len(rows) == 1 && rows[0].Variant == "" {
		return all, nil
	}
	for _, r := range rows {
		if r.Variant == "" {
			r.Variant = "none"
		}
		variants = append(variants, r)
	}
	return all, variants
}

// Analyse turns a campaign's groups into its campaign_results rows and,
// when tiers flagged members before it, its campaign_funnel rows. end is
// the end of as_of; window the attribution window.
func Analyse(c Campaign, end time.Time, window time.Duration, reps int, seed uint64) ([]Result, []FunnelRow) {
	by := map[string][]Group{}
	var names []string
	for _, g := range c.Groups {
		if _, ok := by[g.Group]; !ok {
			names = append(names, g.Group)
		}
		by[g.Group] = append(by[g.Group], g)
	}
	slices.Sort(names)
	evidence, comparison := PrePost, Matched
	if _, ok := by[Control]; ok {
		evidence, comparison = Randomised, Control
	}
	var ref Group
	if rows, ok := by[comparison]; ok {
		ref, _ = rollup(comparison, rows)
	}
	var share, srmP *float64
	mismatch := false
	if evidence == Randomised {
		var nt uint64
		for _, g := range by[Treatment] {
			nt += g.Members
		}
		if s, err := SRM(nt, ref.Members, c.Share); err == nil {
			share, srmP, mismatch = ptr(c.Share), ptr(s.P), s.Mismatch
		}
	}
	var out []Result
	alls := map[string]Group{}
	for _, name := range names {
		all, variants := rollup(name, by[name])
		alls[name] = all
		for _, g := range append([]Group{all}, variants...) {
			r := Result{Campaign: c.ID, Evidence: evidence, Group: name, Variant: g.Variant, Stats: g,
				WindowComplete: !g.LastAssigned.Add(window).After(end), UpgradesKnown: c.TiersKnown,
				Share: share, SRMP: srmP, SRMMismatch: mismatch}
			if name == Treatment {
				r.Uplift = Compare(evidence, g, ref, reps, seedFor(seed, c.ID, g.Variant))
			}
			out = append(out, r)
		}
	}
	if !c.TiersKnown {
		return out, nil
	}
	var funnel []FunnelRow
	for _, name := range []string{Treatment, Control} {
		g, ok := alls[name]
		if !ok {
			continue
		}
		steps := []struct {
			name    string
			n, prev uint64
		}{{"flagged", g.Flagged, g.Flagged}, {"reached", g.Reached, g.Flagged}, {"purchased", g.Purchased, g.Flagged}, {"upgraded", g.Upgraded, g.Purchased}}
		for i, s := range steps {
			f := FunnelRow{Campaign: c.ID, Group: name, StepNo: uint8(i + 1), Step: s.name, Members: s.n}
			if g.Flagged > 0 {
				f.RateOfFlagged = ptr(float64(s.n) / float64(g.Flagged))
			}
			if s.prev > 0 {
				f.RateOfPrevious = ptr(float64(s.n) / float64(s.prev))
			}
			if cg, ok := alls[Control]; ok && name == Treatment && (s.name == "purchased" || s.name == "upgraded") && g.Flagged > 0 && cg.Flagged > 0 {
				cn := cg.Purchased
				if s.name == "upgraded" {
					cn = cg.Upgraded
				}
				if d, err := uplift.DiffProportions(int64(s.n), int64(g.Flagged), int64(cn), int64(cg.Flagged)); err == nil {
					f.Uplift, f.UpliftP = ptr(d.Diff), ptr(d.P)
				}
			}
			funnel = append(funnel, f)
		}
	}
	return out, funnel
}
