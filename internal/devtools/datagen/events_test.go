package datagen

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestEventsFollowActivity(t *testing.T) {
	o := smallOptions(t, FormatCSV, 4000)
	sum := mustGenerate(t, o)
	members := readCSV(t, filepath.Join(o.OutDir, "members.csv"))
	orders := readCSV(t, filepath.Join(o.OutDir, "orders.csv"))
	events := readCSV(t, filepath.Join(o.OutDir, "events.csv"))

	joined := map[string]time.Time{}
	for _, r := range members.rows {
		joined[r[0]], _ = time.Parse(time.RFC3339, r[1])
	}
	paid := map[string]int{}
	amount := map[string]float64{}
	for _, r := range orders.rows {
		if r[8] == statusPaid {
			paid[r[1]]++
			amount[r[0]], _ = strconv.ParseFloat(r[3], 64)
		}
	}
	logins := map[string]int{}
	earned := map[string]int{}
	byType := map[string]int64{}
	for _, r := range events.rows {
		byType[r[3]]++
		switch r[3] {
		case "login":
			logins[r[1]]++
		case "points_earned":
			earned[r[1]]++
			var props struct {
				OrderID string `json:"order_id"`
			}
			if err := json.Unmarshal([]byte(r[5]), &props); err != nil {
				t.Fatal(err)
			}
			a, ok := amount[props.OrderID]
			v, _ := strconv.ParseFloat(r[4], 64)
			if !ok || v != math.Floor(a) {
				t.Fatalf("points_earned %s is %v for order %q of amount %v (paid: %v)", r[0], v, props.OrderID, a, ok)
			}
		}
	}
	for id, n := range paid {
		if earned[id] != n {
			t.Fatalf("member %s has %d paid orders and %d points_earned events", id, n, earned[id])
		}
	}
	for name, n := range sum.Truth.Counts.EventsByType {
		if byType[name] != n {
			t.Errorf("truth says %d %s events, file has %d", n, name, byType[name])
		}
		if n == 0 {
			t.Errorf("no %s events at all", name)
		}
	}

	// Logins per week of membership grow with buying: members with three
	// or more paid orders (high lambda) log in several times as often as
	// one-order members (lambda mostly near 0).
	rate := func(keep func(id string) bool) float64 {
		var n, weeks float64
		for id, j := range joined {
			if keep(id) {
				n += float64(logins[id])
				weeks += o.End.Sub(j).Hours() / 24 / 7
			}
		}
		return n / weeks
	}
	heavy := rate(func(id string) bool { return paid[id] >= 3 })
	single := rate(func(id string) bool { return paid[id] == 1 })
	t.Logf("logins per member-week: 3+ orders %.3f, 1 order %.3f", heavy, single)
	if heavy < 2*single {
		t.Errorf("members with 3+ orders log in %.3f times a week, one-order members %.3f: want at least twice", heavy, single)
	}
}

// TestEventProcesses checks the two session processes' mean counts.
func TestEventProcesses(t *testing.T) {
	o := DefaultOptions()
	o.Season = FlatSeasonality()
	cal := newCalendar(o.Season, o.Start, o.End)
	gen := newGenerator(&o, cal)
	gen.g.reset(5, 0, 0)
	const runs = 20000
	var hom, dec float64
	for range runs {
		gen.homogeneous(100, 300, 0.05, func(float64) { hom++ })
		gen.decaying(gen.opEnd-200, 0.5, 45, func(tau float64) {
			if tau < gen.opEnd-200 || tau >= gen.opEnd {
				t.Fatalf("decaying point %v outside [start, End)", tau)
			}
			dec++
		})
	}
	wantHom := 0.05 * 200
	within(t, "homogeneous mean count", hom/runs, wantHom, 4*math.Sqrt(wantHom/runs))
	wantDec := 0.5 * 45 * (1 - math.Exp(-200.0/45))
	within(t, "decaying mean count", dec/runs, wantDec, 4*math.Sqrt(wantDec/runs))
}

// TestPointsExpiryRule replays each member's points events from the file
// with the programme's rule (redemptions use the oldest points, what is
// left of a points_earned expires points_expiry_days later): every
// points_expired is exactly what the replay expires at that instant, no
// balance goes negative, and the totals agree with truth.json.
func TestPointsExpiryRule(t *testing.T) {
	o := smallOptions(t, FormatCSV, 3000)
	sum := mustGenerate(t, o)
	events := readCSV(t, filepath.Join(o.OutDir, "events.csv"))
	type lot struct {
		at   time.Time
		left float64
	}
	lots := map[string][]lot{}
	totals := map[string]float64{}
	expiry := time.Duration(sum.Truth.Points.ExpiryDays) * 24 * time.Hour
	for _, r := range events.rows { // per member in time order, as written
		at, err := time.Parse(time.RFC3339, r[2])
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.ParseFloat(r[4], 64)
		totals[r[3]] += v
		ls := lots[r[1]]
		switch r[3] {
		case "points_earned":
			ls = append(ls, lot{at, v})
		case "points_redeemed":
			for use := v; use > 0; {
				if len(ls) == 0 {
					t.Fatalf("%s redeems %v points more than the member holds", r[0], use)
				}
				n := min(use, ls[0].left)
				ls[0].left -= n
				use -= n
				if ls[0].left == 0 {
					ls = ls[1:]
				}
			}
		case "points_expired":
			var due float64
			for len(ls) > 0 && !ls[0].at.Add(expiry).After(at) {
				due += ls[0].left
				ls = ls[1:]
			}
			if due != v {
				t.Fatalf("%s expires %v points at %s, the rule expires %v", r[0], v, r[2], due)
			}
		}
		lots[r[1]] = ls
	}
	p := sum.Truth.Points
	if p.ExpiryDays != 365 || p.Expired == 0 || p.Redeemed == 0 {
		t.Fatalf("truth points %+v: want a 365-day expiry with redemptions and expiries", p)
	}
	if totals["points_earned"] != p.Earned || totals["points_redeemed"] != p.Redeemed || totals["points_expired"] != p.Expired ||
		p.Outstanding != p.Earned-p.Redeemed-p.Expired {
		t.Errorf("file totals %v, truth %+v", totals, p)
	}
}
