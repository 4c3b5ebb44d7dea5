package datagen

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCategoryPreferenceRecoverable: a member's most frequent category
// among its order lines is, for most members with many lines, the top leaf
// truth.json records for it (79% at 15+ lines with seed 42; chance is
// 1/40: the top weight is often close to the second).
func TestCategoryPreferenceRecoverable(t *testing.T) {
	o := smallOptions(t, FormatCSV, 20_000)
	o.Events.Scale = 0
	sum := mustGenerate(t, o)
	cat := sum.Truth.Categories
	if len(cat.Leaves) != 40 || len(cat.TopLeafByMember) != o.Members {
		t.Fatalf("%d leaves, %d members' top leaves; want 40, %d", len(cat.Leaves), len(cat.TopLeafByMember), o.Members)
	}
	leaf := map[string]int{}
	for i, l := range cat.Leaves {
		leaf[l] = i
	}
	counts := map[int][]int{} // member number -> lines per leaf
	for _, r := range readCSV(t, filepath.Join(o.OutDir, "items.csv")).rows {
		var num int
		for _, c := range r[0][1:10] { // O%09d-seq
			num = num*10 + int(c-'0')
		}
		if counts[num] == nil {
			counts[num] = make([]int, len(cat.Leaves))
		}
		counts[num][leaf[r[3]]]++
	}
	var members, hits int
	for num, c := range counts {
		total, mode := 0, 0
		for i, n := range c {
			total += n
			if n > c[mode] {
				mode = i
			}
		}
		if total < 15 {
			continue
		}
		members++
		if mode == cat.TopLeafByMember[num-1] {
			hits++
		}
	}
	if members < 300 || float64(hits) < 0.7*float64(members) {
		t.Errorf("the modal category is the true top one for %d of %d members with 15+ lines; want at least 70%% of 300+", hits, members)
	}
}

// TestCampaignTruth: the campaigns' assignments follow the intended
// split, truth.json's conversions agree with the files, C0 has no effect
// and C1's realised effect is near its expectation of about 3 points.
func TestCampaignTruth(t *testing.T) {
	o := smallOptions(t, FormatCSV, 40_000)
	o.Events.Scale = 0
	sum := mustGenerate(t, o)
	if len(sum.Truth.Campaigns) != numCampaigns {
		t.Fatalf("%d campaigns in truth.json, want %d", len(sum.Truth.Campaigns), numCampaigns)
	}
	paid := map[string][]time.Time{}
	for _, r := range readCSV(t, filepath.Join(o.OutDir, "orders.csv")).rows {
		if r[8] == statusPaid {
			ts, _ := time.Parse(time.RFC3339, r[2])
			paid[r[1]] = append(paid[r[1]], ts)
		}
	}
	type tally struct{ n, conv int64 }
	got := map[string]map[string]*tally{}
	for _, r := range readCSV(t, filepath.Join(o.OutDir, "campaigns.csv")).rows {
		at, _ := time.Parse(time.RFC3339, r[3])
		if got[r[0]] == nil {
			got[r[0]] = map[string]*tally{"treatment": {}, "control": {}}
		}
		g := got[r[0]][r[2]]
		g.n++
		for _, ts := range paid[r[1]] {
			if !ts.Before(at) && ts.Before(at.AddDate(0, 0, campaignWindowDays)) {
				g.conv++
				break
			}
		}
	}
	for _, c := range sum.Truth.Campaigns {
		tr, co := got[c.CampaignID]["treatment"], got[c.CampaignID]["control"]
		if tr.n != c.Treatment || co.n != c.Control {
			t.Errorf("%s: files have %d treatment, %d control; truth.json %d, %d", c.CampaignID, tr.n, co.n, c.Treatment, c.Control)
		}
		if tr.conv != c.TreatmentNaturalConversions+c.Incremental || co.conv != c.ControlNaturalConversions {
			t.Errorf("%s: files convert %d treatment, %d control; truth.json %d+%d, %d", c.CampaignID, tr.conv, co.conv,
				c.TreatmentNaturalConversions, c.Incremental, c.ControlNaturalConversions)
		}
		n := float64(c.Treatment + c.Control)
		share := float64(c.Treatment) / n
		if math.Abs(share-0.9) > 4*math.Sqrt(0.09/n) {
			t.Errorf("%s: treatment share %.4f, want 0.9", c.CampaignID, share)
		}
		switch c.CampaignID {
		case "C0":
			if c.Effect != 0 || c.ExtraOrders != 0 {
				t.Errorf("C0: effect %v with %d extra orders, want none", c.Effect, c.ExtraOrders)
			}
		case "C1":
			if c.ExpectedEffect < 0.025 || c.ExpectedEffect > 0.035 {
				t.Errorf("C1: expected effect %v, want about 0.03", c.ExpectedEffect)
			}
			if se := math.Sqrt(c.ExpectedEffect / float64(c.Treatment)); math.Abs(c.Effect-c.ExpectedEffect) > 4*se {
				t.Errorf("C1: realised effect %v, want %v +- %v", c.Effect, c.ExpectedEffect, 4*se)
			}
		}
		if !strings.HasPrefix(c.AssignedAt.Format(time.RFC3339), c.AssignedAt.Format("2006-01-02")+"T02:00:00") {
			t.Errorf("%s: assigned at %s, want 02:00 UTC", c.CampaignID, c.AssignedAt)
		}
	}
}
