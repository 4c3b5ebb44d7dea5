package datagen

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCampaignOpens: treatment members of C0 and C1 open their campaign
// (campaign_open, sometimes campaign_click, with the campaign's id) at
// about Campaigns.OpenProb within 2 days of assigned_at, control members
// never; truth.json counts the openers; and the opens are the only
// difference from a run with OpenProb 0 (own random stream: the other
// files are byte-identical and the other events the same).
func TestCampaignOpens(t *testing.T) {
	o := smallOptions(t, FormatCSV, 20_000)
	sum := mustGenerate(t, o)
	type key struct{ campaign, member string }
	type assignment struct {
		treatment bool
		at        time.Time
	}
	assigned := map[key]assignment{}
	treatment := map[string]int64{}
	for _, r := range readCSV(t, filepath.Join(o.OutDir, "campaigns.csv")).rows {
		at, err := time.Parse(time.RFC3339, r[3])
		if err != nil {
			t.Fatal(err)
		}
		assigned[key{r[0], r[1]}] = assignment{r[2] == "treatment", at}
		if r[2] == "treatment" {
			treatment[r[0]]++
		}
	}
	events := readCSV(t, filepath.Join(o.OutDir, "events.csv"))
	opened := map[key]bool{}
	openers := map[string]int64{}
	var weekly int
	var rest []string // the events other than the assigned campaigns' opens and clicks, without event_id
	for _, r := range events.rows {
		var props struct {
			CampaignID string `json:"campaign_id"`
		}
		if err := json.Unmarshal([]byte(r[5]), &props); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(campaignIDs[:], props.CampaignID) {
			if r[3] == "campaign_open" {
				weekly++
			}
			rest = append(rest, strings.Join(r[1:], ","))
			continue
		}
		k := key{props.CampaignID, r[1]}
		a, ok := assigned[k]
		if !ok || !a.treatment {
			t.Fatalf("event %v: %s of %s for a member not in its treatment group (assigned %v)", r, r[3], k.campaign, ok)
		}
		at, err := time.Parse(time.RFC3339, r[2])
		if err != nil {
			t.Fatal(err)
		}
		if d := at.Sub(a.at); d < time.Minute || d > 2*24*time.Hour+10*time.Minute {
			t.Errorf("event %v: %v after assigned_at, want within 1 minute to 2 days", r, d)
		}
		switch r[3] {
		case "campaign_open":
			if opened[k] {
				t.Errorf("%v opened twice", k)
			}
			opened[k] = true
			openers[k.campaign]++
		case "campaign_click":
		default:
			t.Errorf("event %v: type %s carries an assigned campaign's id", r, r[3])
		}
	}
	if weekly == 0 {
		t.Error("no weekly campaign opens left")
	}
	if len(sum.Truth.Campaigns) != numCampaigns {
		t.Fatalf("truth has %d campaigns", len(sum.Truth.Campaigns))
	}
	for _, c := range sum.Truth.Campaigns {
		n, x := float64(treatment[c.CampaignID]), float64(openers[c.CampaignID])
		sd := math.Sqrt(n * c.OpenProb * (1 - c.OpenProb))
		t.Logf("%s: %v of %v treatment members opened (open prob %v)", c.CampaignID, x, n, c.OpenProb)
		if c.TreatmentOpened != openers[c.CampaignID] || c.OpenProb != o.Campaigns.OpenProb {
			t.Errorf("%s: truth records %d openers at %v, the events have %v at %v", c.CampaignID, c.TreatmentOpened, c.OpenProb, x, o.Campaigns.OpenProb)
		}
		if n < 500 || math.Abs(x-n*c.OpenProb) > 4*sd {
			t.Errorf("%s: %v of %v treatment members opened, want about %v (4 sd %.1f)", c.CampaignID, x, n, n*c.OpenProb, 4*sd)
		}
	}

	none := o
	none.OutDir = t.TempDir()
	none.Campaigns.OpenProb = 0
	mustGenerate(t, none)
	for _, name := range []string{"members.csv", "orders.csv", "items.csv", "campaigns.csv"} {
		a, errA := os.ReadFile(filepath.Join(o.OutDir, name))
		b, errB := os.ReadFile(filepath.Join(none.OutDir, name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between open_prob %v and 0 (%v, %v)", name, o.Campaigns.OpenProb, errA, errB)
		}
	}
	var restNone []string
	for _, r := range readCSV(t, filepath.Join(none.OutDir, "events.csv")).rows {
		restNone = append(restNone, strings.Join(r[1:], ","))
	}
	if !slices.Equal(rest, restNone) {
		t.Errorf("the other events differ between open_prob %v and 0: %d and %d rows", o.Campaigns.OpenProb, len(rest), len(restNone))
	}
}
