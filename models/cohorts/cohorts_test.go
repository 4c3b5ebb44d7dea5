package cohorts

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestCohortsIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{
			{ID: "a", Joined: "2023-06-01 00:00:00"}, {ID: "b", Joined: "2023-06-01 00:00:00"}, {ID: "c", Joined: "2023-06-01 00:00:00"},
			{ID: "d", Joined: "2023-06-01 00:00:00"}, {ID: "e", Joined: "2024-04-02 00:00:00"}, {ID: "f", Joined: "2023-06-01 00:00:00"},
		},
		Orders: []modeltest.Order{
			{Member: "a", At: "2024-01-05 10:00:00", Amount: 100}, {Member: "a", At: "2024-01-20 10:00:00", Amount: 50}, {Member: "a", At: "2024-03-10 10:00:00", Amount: 30},
			{Member: "b", At: "2024-01-31 23:59:59", Amount: 200}, {Member: "b", At: "2024-02-01 00:00:00", Amount: 70, Status: "refunded"},
			{Member: "c", At: "2024-02-10 10:00:00", Amount: 80}, {Member: "c", At: "2024-03-31 23:59:59", Amount: 20}, // end of as_of counts
			{Member: "d", At: "2024-02-11 10:00:00", Amount: 60, Status: "refunded"}, // only refunds: no cohort
			{Member: "e", At: "2024-04-02 10:00:00", Amount: 60},                     // joined after as_of
			{Member: "f", At: "2024-04-01 00:00:00", Amount: 60},                     // after as_of
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := modeltest.Must(New(Params{By: "first_order"}))
		modeltest.Run(t, conn, m, "2024-03-31", time.UTC)
		// By hand: Jan cohort {a, b} (a's second order in Jan), Feb cohort {c}
		// (second order in Mar, period 1).
		// cohort, period, start, size, active, retention, revenue, revenue retention, repeat, repeat rate
		want := [][]string{
			{"2024-01-01", "0", "2024-01-01", "2", "2", "1", "350", "1", "1", "0.5"},
			{"2024-01-01", "1", "2024-02-01", "2", "0", "0", "0", "0", "1", "0.5"},
			{"2024-01-01", "2", "2024-03-01", "2", "1", "0.5", "30", "0.08571", "1", "0.5"},
			{"2024-02-01", "0", "2024-02-01", "1", "1", "1", "80", "1", "0", "0"},
			{"2024-02-01", "1", "2024-03-01", "1", "1", "1", "20", "0.25", "1", "1"},
		}
		q := `SELECT toString(cohort), toString(period), toString(period_start), toString(cohort_size), toString(active_members),
		toString(retention_rate), toString(toFloat64(revenue)), toString(round(revenue_retention, 5)), toString(repeat_members),
		toString(cumulative_repeat_rate)
		FROM cohorts WHERE period_type = ? ORDER BY cohort, period`
		if got := chtest.Rows(t, conn, q, "month"); !reflect.DeepEqual(got, want) {
			t.Errorf("month cells:\n got %v\nwant %v", got, want)
		}
		// Weeks start on Monday: a's first order (Fri 2024-01-05) -> week of
		// 2024-01-01, periods 0..12 up to the week of Mon 2024-03-25; b (Wed
		// 2024-01-31) -> 2024-01-29, 0..8; c (Sat 2024-02-10) -> 2024-02-05, 0..7.
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM cohorts WHERE period_type = 'week'"); n != 13+9+8 {
			t.Errorf("week cells = %d, want 30", n)
		}
		wk := chtest.Rows(t, conn, `SELECT toString(period), toString(active_members), toString(toFloat64(revenue)) FROM cohorts
		WHERE period_type = 'week' AND cohort = '2024-01-01' AND active_members > 0 ORDER BY period`)
		// a: Jan 5 (week 0), Jan 20 (Sat, week of Jan 15 = period 2), Mar 10 (Sun, week of Mar 4 = period 9).
		if want := [][]string{{"0", "1", "100"}, {"2", "1", "50"}, {"9", "1", "30"}}; !reflect.DeepEqual(wk, want) {
			t.Errorf("week cells of 2024-01-01: got %v, want %v", wk, want)
		}
		modeltest.Run(t, conn, m, "2024-03-31", time.UTC)
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM cohorts"); n != 35 {
			t.Errorf("after re-run: %d rows, want 35", n)
		}
	})
}

// TestCohortsMatchBruteForceIntegration compares every cell with a plain Go
// computation over data from internal/devtools/datagen, in the Shanghai time zone,
// for both cohort definitions, with later data loaded that must be ignored.
func TestCohortsMatchBruteForceIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := datagen.DefaultOptions()
	o.Members = 1500
	o.OutDir = dir
	o.Start = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	o.End = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	o.Workers = 1
	if _, err := datagen.Generate(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	members := modeltest.ReadCSV(t, filepath.Join(dir, "members.csv"))
	orders := modeltest.ReadCSV(t, filepath.Join(dir, "orders.csv"))
	modeltest.ForEachEngine(t, modeltest.Fixture{}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.LoadCSV(t, conn, members, orders)
		asOf := "2024-05-15"
		for _, by := range []string{"first_order", "join"} {
			t.Run(by, func(t *testing.T) {
				m := modeltest.Must(New(Params{By: by}))
				modeltest.Run(t, conn, m, asOf, sh)
				got := map[string]string{}
				for _, r := range chtest.Rows(t, conn, `SELECT concat(period_type, ' ', toString(cohort), ' ', toString(period)),
				concat(toString(cohort_size), ' ', toString(active_members), ' ', toString(toFloat64(revenue)), ' ', toString(repeat_members))
				FROM cohorts WHERE as_of = ?`, asOf) {
					got[r[0]] = r[1]
				}
				want := bruteCohorts(t, members, orders, by, modeltest.AsOf(t, asOf), sh)
				if len(want) < 100 {
					t.Fatalf("only %d cells: too little data to compare", len(want))
				}
				if len(got) != len(want) {
					t.Errorf("%d cells, brute force has %d", len(got), len(want))
				}
				bad := 0
				for k, w := range want {
					if got[k] != w && bad < 5 {
						t.Errorf("cell %s: got %q, want %q", k, got[k], w)
						bad++
					}
				}
			})
		}
	})
}

// bruteCohorts is the cohort table by plain loops: key "type cohort period",
// value "size active revenue repeat".
func bruteCohorts(t *testing.T, members, orders [][]string, by string, asOf time.Time, loc *time.Location) map[string]string {
	end := time.Date(asOf.Year(), asOf.Month(), asOf.Day()+1, 0, 0, 0, 0, loc)
	local := func(tm time.Time) time.Time {
		y, m, d := tm.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	joined := map[string]time.Time{}
	for _, m := range members {
		j, _ := time.Parse(time.RFC3339, m[1])
		if j.Before(end) {
			joined[m[0]] = j
		}
	}
	type ord struct {
		at    time.Time
		cents int64
	}
	byMember := map[string][]ord{}
	for _, o := range orders {
		at, _ := time.Parse(time.RFC3339, o[2])
		if o[8] != "paid" || !at.Before(end) {
			continue
		}
		if _, ok := joined[o[1]]; !ok {
			continue
		}
		c, _ := strconv.ParseFloat(o[3], 64)
		byMember[o[1]] = append(byMember[o[1]], ord{at, int64(c*100 + 0.5)})
	}
	out := map[string]string{}
	for _, pt := range []string{"month", "week"} {
		pk := func(d time.Time) int {
			if pt == "month" {
				return d.Year()*12 + int(d.Month()) - 1
			}
			days := int(d.Sub(time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)).Hours() / 24) // a Monday
			return days / 7
		}
		label := func(d time.Time) time.Time {
			if pt == "month" {
				return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
			}
			return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		}
		type cell struct {
			active  map[string]bool
			cents   int64
			repeats int
		}
		type cohort struct {
			size    int
			maxp    int
			seconds []int
			cells   map[int]*cell
		}
		cohorts := map[time.Time]*cohort{}
		for id, j := range joined {
			os := byMember[id]
			sort.Slice(os, func(a, b int) bool { return os[a].at.Before(os[b].at) })
			var cday time.Time
			if by == "join" {
				cday = local(j)
			} else {
				if len(os) == 0 {
					continue
				}
				cday = local(os[0].at)
			}
			c := cohorts[label(cday)]
			if c == nil {
				c = &cohort{maxp: pk(asOf) - pk(cday), cells: map[int]*cell{}}
				cohorts[label(cday)] = c
			}
			c.size++
			// the second purchase day at or after the cohort period
			var days []time.Time
			for _, o := range os {
				d := local(o.at)
				if pk(d) >= pk(cday) && (len(days) == 0 || !days[len(days)-1].Equal(d)) {
					days = append(days, d)
				}
			}
			if len(days) >= 2 {
				c.seconds = append(c.seconds, pk(days[1])-pk(cday))
			}
			for _, o := range os {
				p := pk(local(o.at)) - pk(cday)
				if p < 0 {
					continue
				}
				ce := c.cells[p]
				if ce == nil {
					ce = &cell{active: map[string]bool{}}
					c.cells[p] = ce
				}
				ce.active[id] = true
				ce.cents += o.cents
			}
		}
		for lbl, c := range cohorts {
			for p := 0; p <= c.maxp; p++ {
				rep := 0
				for _, s := range c.seconds {
					if s <= p {
						rep++
					}
				}
				var act int
				var cents int64
				if ce := c.cells[p]; ce != nil {
					act, cents = len(ce.active), ce.cents
				}
				rev := strconv.FormatFloat(float64(cents)/100, 'f', -1, 64)
				out[fmt.Sprintf("%s %s %d", pt, lbl.Format(asof.Layout), p)] = strings.Join([]string{
					strconv.Itoa(c.size), strconv.Itoa(act), rev, strconv.Itoa(rep)}, " ")
			}
		}
	}
	return out
}

// TestCohortsRepeatIsSecondPurchaseDayIntegration: a repeat member has a
// second purchase day (two orders on one day are one purchase day), and in
// join mode purchases before the join period are ignored for repeats as for
// activity (a second order before the join month used to wrap to a huge
// unsigned period and the member was never counted).
func TestCohortsRepeatIsSecondPurchaseDayIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "s", Joined: "2024-01-01 00:00:00"}, {ID: "j", Joined: "2024-02-15 00:00:00"}},
		Orders: []modeltest.Order{
			// s: two orders on 2024-01-10, then nothing: one purchase day, no repeat.
			{Member: "s", At: "2024-01-10 09:00:00", Amount: 10}, {Member: "s", At: "2024-01-10 18:00:00", Amount: 20},
			// j joined mid-February: two purchase days in January (before the
			// join month), then 2024-02-20 and 2024-03-05. Join mode: purchase
			// days from February on are 02-20 (period 0) and 03-05 (period 1).
			{Member: "j", At: "2024-01-10 10:00:00", Amount: 5}, {Member: "j", At: "2024-01-20 10:00:00", Amount: 5},
			{Member: "j", At: "2024-02-20 10:00:00", Amount: 7}, {Member: "j", At: "2024-03-05 10:00:00", Amount: 9},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		q := `SELECT toString(cohort), toString(period), toString(cohort_size), toString(repeat_members)
		FROM cohorts WHERE period_type = 'month' AND cohort_by = ? ORDER BY cohort, period`
		modeltest.Run(t, conn, modeltest.Must(New(Params{By: "first_order"})), "2024-03-31", time.UTC)
		// first_order: the January cohort {s, j}; j's second purchase day is 01-20.
		want := [][]string{
			{"2024-01-01", "0", "2", "1"}, {"2024-01-01", "1", "2", "1"}, {"2024-01-01", "2", "2", "1"},
		}
		if got := chtest.Rows(t, conn, q, "first_order"); !reflect.DeepEqual(got, want) {
			t.Errorf("first_order:\n got %v\nwant %v", got, want)
		}
		modeltest.Run(t, conn, modeltest.Must(New(Params{By: "join"})), "2024-03-31", time.UTC)
		want = [][]string{
			{"2024-01-01", "0", "1", "0"}, {"2024-01-01", "1", "1", "0"}, {"2024-01-01", "2", "1", "0"},
			{"2024-02-01", "0", "1", "0"}, {"2024-02-01", "1", "1", "1"},
		}
		if got := chtest.Rows(t, conn, q, "join"); !reflect.DeepEqual(got, want) {
			t.Errorf("join:\n got %v\nwant %v", got, want)
		}
	})
}
