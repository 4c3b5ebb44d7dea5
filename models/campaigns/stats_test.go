package campaigns

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// simGroup draws a group of n members who convert with probability p and
// then spend an exponential amount with mean 80 (the revenue array holds
// the converters' spend).
func simGroup(name string, n int, p float64, rng *rand.Rand) Group {
	g := Group{Campaign: "SIM", Group: name, Members: uint64(n)}
	for range n {
		if rng.Float64() < p {
			g.Converters++
			g.Orders++
			v := 80 * rng.ExpFloat64()
			g.Revenue += v
			g.Revenues = append(g.Revenues, v)
		}
	}
	return g
}

// TestNoEffectCampaignsNotSignificant simulates 100 seeded no-effect
// campaigns (2,000 treatment and 2,000 control members converting at 20%)
// through Analyse, the code the model runs: the conversion and revenue
// uplifts are significant at 5% in at most 10 of them, and the bootstrap
// intervals hold 0 in at least 90.
func TestNoEffectCampaignsNotSignificant(t *testing.T) {
	const seeds = 100
	var sigConv, sigRPM, bootConv, bootRPM int
	end := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 42))
		c := Campaign{ID: "SIM", Share: 0.5, Groups: []Group{simGroup(Treatment, 2000, 0.2, rng), simGroup(Control, 2000, 0.2, rng)}}
		rows, _ := Analyse(c, end, 30*24*time.Hour, 200, seed)
		var u Uplift
		for _, r := range rows {
			if r.Group == Treatment {
				u = r.Uplift
			}
		}
		if u.ConversionP == nil || u.RPMP == nil || u.ConversionBootLo == nil || u.RPMBootLo == nil {
			t.Fatalf("seed %d: uplift not computed: %+v", seed, u)
		}
		if *u.ConversionP < 0.05 {
			sigConv++
		}
		if *u.RPMP < 0.05 {
			sigRPM++
		}
		if *u.ConversionBootLo <= 0 && *u.ConversionBootHi >= 0 {
			bootConv++
		}
		if *u.RPMBootLo <= 0 && *u.RPMBootHi >= 0 {
			bootRPM++
		}
	}
	t.Logf("no effect, 100 seeds: conversion significant in %d, revenue per member in %d; bootstrap intervals hold 0 in %d and %d", sigConv, sigRPM, bootConv, bootRPM)
	if sigConv > 10 || sigRPM > 10 {
		t.Errorf("no effect: significant at 5%% in %d (conversion) and %d (revenue per member) of 100 seeds, want at most 10 each", sigConv, sigRPM)
	}
	if bootConv < 90 || bootRPM < 90 {
		t.Errorf("no effect: bootstrap intervals hold 0 in %d and %d of 100 seeds, want at least 90", bootConv, bootRPM)
	}
}

// TestEffectRecovered: a +3 point campaign (23% against 20%, 6,000
// members a group) is found, its interval holding the true 0.03.
func TestEffectRecovered(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c := Campaign{ID: "SIM", Share: 0.5, Groups: []Group{simGroup(Treatment, 6000, 0.23, rng), simGroup(Control, 6000, 0.20, rng)}}
	rows, _ := Analyse(c, time.Now(), 24*time.Hour, 500, 1)
	u := rows[len(rows)-1].Uplift
	if rows[len(rows)-1].Group != Treatment || u.Conversion == nil {
		t.Fatalf("last row %+v, want the treatment row with an uplift", rows[len(rows)-1])
	}
	if !(*u.ConversionLo <= 0.03 && 0.03 <= *u.ConversionHi) || *u.ConversionP >= 0.05 {
		t.Errorf("uplift %.4f [%.4f, %.4f] p %.4g: want 0.03 inside and p < 0.05", *u.Conversion, *u.ConversionLo, *u.ConversionHi, *u.ConversionP)
	}
}

// TestSRMFlagsSkewedSplit: 900 treatment against 100 control passes a
// 90/10 split and fails 50/50; 860/140 fails 90/10.
func TestSRMFlagsSkewedSplit(t *testing.T) {
	for _, tt := range []struct {
		treat, control uint64
		share          float64
		mismatch       bool
	}{{900, 100, 0.9, false}, {900, 100, 0.5, true}, {8600, 1400, 0.9, true}, {5030, 4970, 0.5, false}} {
		rng := rand.New(rand.NewPCG(1, 2))
		c := Campaign{ID: "S", Share: tt.share, Groups: []Group{
			simGroup(Control, int(tt.control), 0.1, rng), simGroup(Treatment, int(tt.treat), 0.1, rng)}}
		rows, _ := Analyse(c, time.Now(), time.Hour, 100, 1)
		for _, r := range rows {
			if r.SRMMismatch != tt.mismatch || r.SRMP == nil || *r.Share != tt.share {
				t.Errorf("%d/%d against %v: row %s mismatch %v (p %v), want %v", tt.treat, tt.control, tt.share, r.Group, r.SRMMismatch, r.SRMP, tt.mismatch)
			}
		}
	}
	if _, err := SRM(0, 0, 0.5); err == nil {
		t.Error("SRM of an empty campaign: no error")
	}
}

// TestPrePostAndVariants: a campaign without control is labelled
// pre_post and compared by changes; variants get their own rows plus the
// all-variants row, each treatment row compared with the whole control.
func TestPrePostAndVariants(t *testing.T) {
	at := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	pp := Campaign{ID: "P", Groups: []Group{
		{Campaign: "P", Group: Matched, Members: 1000, Converters: 200, Gained: 100, Lost: 100, FirstAssigned: at, LastAssigned: at},
		{Campaign: "P", Group: Treatment, Members: 1000, Converters: 260, Gained: 160, Lost: 100, Cost: 50, Deltas: []float64{40, 60, -10}, FirstAssigned: at, LastAssigned: at},
	}}
	rows, funnel := Analyse(pp, at.AddDate(0, 0, 10), 30*24*time.Hour, 100, 1)
	if len(rows) != 2 || funnel != nil {
		t.Fatalf("rows %d, funnel %v; want 2 rows and no funnel (no tiers before)", len(rows), funnel)
	}
	for _, r := range rows {
		if r.Evidence != PrePost || r.SRMP != nil || r.WindowComplete {
			t.Errorf("%s: evidence %s, srm %v, window complete %v; want pre_post, no SRM, window open", r.Group, r.Evidence, r.SRMP, r.WindowComplete)
		}
	}
	u := rows[1].Uplift
	if rows[1].Group != Treatment || u.Conversion == nil || *u.Conversion < 0.0599 || *u.Conversion > 0.0601 {
		t.Errorf("pre_post conversion uplift %v, want the difference in differences 0.06", u.Conversion)
	}
	if u.RPM == nil || *u.RPM < 0.0899 || *u.RPM > 0.0901 || u.ROI == nil {
		t.Errorf("pre_post revenue uplift %v roi %v, want 0.09 per member and an ROI", u.RPM, u.ROI)
	}

	v := Campaign{ID: "V", Share: 0.5, TiersKnown: true, Groups: []Group{
		{Campaign: "V", Group: Control, Members: 500, Converters: 50, Flagged: 100, Purchased: 10, Upgraded: 2},
		{Campaign: "V", Group: Treatment, Variant: "A", Members: 250, Converters: 40, Flagged: 50, Reached: 30, Purchased: 10, Upgraded: 5},
		{Campaign: "V", Group: Treatment, Variant: "B", Members: 250, Converters: 30, Flagged: 50, Reached: 20, Purchased: 8, Upgraded: 4},
	}}
	rows, funnel = Analyse(v, time.Now(), time.Hour, 100, 1)
	var got []string
	for _, r := range rows {
		got = append(got, r.Group+"/"+r.Variant)
		if r.Group == Treatment && r.Uplift.Conversion == nil {
			t.Errorf("%s/%s: no uplift", r.Group, r.Variant)
		}
	}
	if want := "control/ treatment/ treatment/A treatment/B"; join(got) != want {
		t.Errorf("rows %q, want %q", join(got), want)
	}
	if all := rows[1]; all.Stats.Members != 500 || all.Stats.Converters != 70 || all.Evidence != Randomised {
		t.Errorf("all-variants row %+v", all.Stats)
	}
	if len(funnel) != 8 || funnel[1].Step != "reached" || funnel[1].Members != 50 || *funnel[1].RateOfFlagged != 0.5 {
		t.Fatalf("funnel %+v", funnel)
	}
	up := funnel[3]
	if up.Step != "upgraded" || *up.RateOfPrevious != 0.5 || up.Uplift == nil || *up.Uplift < 0.0699 || *up.Uplift > 0.0701 {
		t.Errorf("upgraded step %+v: want 9/18 of purchased and uplift 0.09-0.02", up)
	}
}

func join(s []string) string { return strings.Join(s, " ") }

// TestSeedFor: rows get distinct, stable streams.
func TestSeedFor(t *testing.T) {
	if seedFor(1, "C1", "") != seedFor(1, "C1", "") || seedFor(1, "C1", "") == seedFor(1, "C1", "A") {
		t.Error("seedFor is not stable per row or not distinct between rows")
	}
}
