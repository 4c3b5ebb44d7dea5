package kpibreakdown

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"window", func(p *Params) { p.WindowDays = 0 }, "models.kpi_breakdown.window_days: must be at least 1, got 0"},
		{"active beyond window", func(p *Params) { p.WindowDays, p.ActiveDays = 30, 90 }, "models.kpi_breakdown.active_days: must be between 1 and window_days (30), got 90"},
		{"active zero", func(p *Params) { p.ActiveDays = 0 }, "models.kpi_breakdown.active_days: must be between 1 and window_days (365), got 0"},
		{"no shares", func(p *Params) { p.TopShares = nil }, "models.kpi_breakdown.top_shares: must list at least one share"},
		{"share above 1", func(p *Params) { p.TopShares = []float64{0.1, 1.5} }, "models.kpi_breakdown.top_shares: must be ascending shares in (0, 1], got [0.1 1.5]"},
		{"share zero", func(p *Params) { p.TopShares = []float64{0} }, "models.kpi_breakdown.top_shares: must be ascending shares in (0, 1], got [0]"},
		{"shares not ascending", func(p *Params) { p.TopShares = []float64{0.1, 0.05} }, "models.kpi_breakdown.top_shares: must be ascending shares in (0, 1], got [0.1 0.05]"},
		{"no bands", func(p *Params) { p.ChurnRiskBands = []string{} }, "models.kpi_breakdown.churn_risk_bands: must list at least one band"},
		{"unknown band", func(p *Params) { p.ChurnRiskBands = []string{"hot"} }, `models.kpi_breakdown.churn_risk_bands: unknown band "hot", want some of low, medium, high, critical, lapsed`},
	}
	for _, tt := range tests {
		p := DefaultParams()
		tt.edit(&p)
		if _, err := New(p); err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.want)
		}
	}
}

// TestFromConfig: the section decodes over the defaults; an unknown key
// and a bad value are errors naming the key.
func TestFromConfig(t *testing.T) {
	t.Parallel()
	section := func(src string) config.Params {
		var p config.Params
		if err := yaml.Unmarshal([]byte(src), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := FromConfig(section("active_days: 30\ntop_shares: [0.2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.p.ActiveDays != 30 || m.p.WindowDays != 365 || len(m.p.TopShares) != 1 || m.p.TopShares[0] != 0.2 {
		t.Errorf("decoded %+v", m.p)
	}
	if _, err := FromConfig(section("activ_days: 30\n")); err == nil || !strings.Contains(err.Error(), "models.kpi_breakdown.activ_days") {
		t.Errorf("unknown key: err = %v", err)
	}
	if _, err := FromConfig(section("active_days: 400\n")); err == nil || !strings.Contains(err.Error(), "models.kpi_breakdown.active_days") {
		t.Errorf("bad value: err = %v", err)
	}
	if m, err := FromConfig(config.Params{}); err != nil || m.p.WindowDays != 365 {
		t.Errorf("no section: %v, %v", m, err)
	}
}

// TestRunNeedsProfileRun: without the member_profile run to read the
// model refuses before touching the warehouse.
func TestRunNeedsProfileRun(t *testing.T) {
	t.Parallel()
	m, _ := New(DefaultParams())
	_, err := m.Run(context.Background(), models.Env{RunID: "r"}, time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "no run of dependency member_profile") {
		t.Errorf("err = %v", err)
	}
}

// fixture: 10 members of a member_profile run p1 (and a decoy member of an
// older run), and orders: in the window, before it, after as_of, a refund
// before as_of (left out) and one after it (counted), and an order of a
// member who is not in member_profile (left out).
type fxMember struct {
	id, region, channel, tier, layer, stage, band string
	clv                                           *float64
}

type fxOrder struct {
	id, member, at, amount, discount, channel, store, status, updated string
}

func f(v float64) *float64 { return &v }

var fxMembers = []fxMember{
	{"m01", "east", "app", "gold", "high", "active", "high", f(500)},
	{"m02", "east", "store", "gold", "mid", "active", "low", f(100)},
	{"m03", "south", "web", "silver", "low", "at_risk", "", nil},
	{"m04", "south", "app", "silver", "", "prospect", "critical", f(10)},
	{"m05", "north", "web", "bronze", "", "prospect", "", nil},
	{"m06", "north", "web", "bronze", "", "prospect", "", nil},
	{"m07", "north", "web", "bronze", "", "prospect", "", nil},
	{"m08", "north", "web", "bronze", "", "prospect", "", nil},
	{"m09", "north", "web", "", "", "prospect", "", nil},
	{"m10", "", "", "", "", "prospect", "", nil},
}

var fxOrders = []fxOrder{
	{"o1", "m01", "2024-03-01 10:00:00", "300.00", "30.00", "store", "S1", "paid", ""},
	{"o2", "m01", "2023-12-01 10:00:00", "200.00", "0.00", "app", "", "paid", ""},
	{"o3", "m02", "2024-02-15 10:00:00", "100.00", "10.00", "store", "S1", "paid", ""},
	{"o10", "m02", "2024-02-15 12:00:00", "10.00", "0.00", "store", "S1", "paid", ""},                       // the same purchase day as o3
	{"o4", "m02", "2022-01-01 10:00:00", "999.00", "0.00", "store", "S2", "paid", ""},                       // before the window
	{"o5", "m03", "2023-06-01 10:00:00", "50.00", "5.00", "web", "", "paid", ""},                            // not active
	{"o6", "m03", "2023-07-01 10:00:00", "20.00", "0.00", "web", "", "refunded", "2023-07-05 00:00:00"},     // refunded before as_of
	{"o7", "m03", "2024-03-10 10:00:00", "40.00", "0.00", "store", "S2", "refunded", "2024-04-02 00:00:00"}, // refunded after as_of: paid then
	{"o8", "m05", "2024-04-01 10:00:00", "1000.00", "0.00", "app", "", "paid", ""},                          // after as_of
	{"o9", "mXX", "2024-03-05 10:00:00", "77.00", "7.00", "app", "", "paid", ""},                            // not in member_profile
}

const fxAsOf = "2024-03-31"

var decoyBand = "high"

func load(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	ctx := context.Background()
	at := func(s string) time.Time { d, _ := time.Parse(time.DateTime, s); return d }
	b, err := conn.PrepareBatch(ctx, "INSERT INTO member_profile (as_of, member_id, joined_at, region, channel, tier, value_layer, lifecycle_stage, clv, churn_risk_band, run_id)")
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse(fxAsOf)
	for _, m := range fxMembers {
		var band *string // NULL: churn has no row for the member
		if m.band != "" {
			band = &m.band
		}
		if err := b.Append(day, m.id, at("2020-01-01 00:00:00"), m.region, m.channel, m.tier, m.layer, m.stage, m.clv, band, "p1"); err != nil {
			t.Fatal(err)
		}
	}
	// A decoy: the same as_of from another member_profile run.
	if err := b.Append(day, "m99", at("2020-01-01 00:00:00"), "east", "app", "gold", "high", "active", f(1e6), &decoyBand, "p0"); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	b, err = conn.PrepareBatch(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, discount, channel, store_id, status, updated_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fxOrders {
		upd := o.updated
		if upd == "" {
			upd = o.at
		}
		if err := b.Append(o.id, o.member, at(o.at), o.amount, o.discount, o.channel, o.store, o.status, at(upd)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// kpis are one kpi_breakdown row's sums.
type kpis struct {
	basis                                                 string
	members, active, buyers, repeat, orders, scored, risk int
	clvMembers                                            int
	revenue, discount, clvSum                             float64
}

// expected computes kpi_breakdown's sums from the fixture in Go, by its
// definitions: window 365 days, active 90 days, bands high and critical.
func expected() map[[2]string]*kpis {
	asOfEnd := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	windowStart, activeStart := asOfEnd.AddDate(0, 0, -365), asOfEnd.AddDate(0, 0, -90)
	type agg struct {
		orders        int
		revenue, disc float64
		last          time.Time
		days          map[string]bool
	}
	prof := map[string]fxMember{}
	for _, m := range fxMembers {
		prof[m.id] = m
	}
	perMember := map[string]*agg{}
	perValue := map[[3]string]*agg{} // member, dimension, value
	add := func(a *agg, rev, disc float64, at time.Time) {
		a.orders++
		if a.days == nil {
			a.days = map[string]bool{}
		}
		a.days[at.Format(time.DateOnly)] = true
		a.revenue += rev
		a.disc += disc
		if at.After(a.last) {
			a.last = at
		}
	}
	for _, o := range fxOrders {
		at, _ := time.Parse(time.DateTime, o.at)
		upd, _ := time.Parse(time.DateTime, o.updated)
		paid := o.status == "paid" || !upd.Before(asOfEnd)
		if _, ok := prof[o.member]; !ok || !paid || at.Before(windowStart) || !at.Before(asOfEnd) {
			continue
		}
		rev, _ := strconv.ParseFloat(o.amount, 64)
		disc, _ := strconv.ParseFloat(o.discount, 64)
		if perMember[o.member] == nil {
			perMember[o.member] = &agg{}
		}
		add(perMember[o.member], rev, disc, at)
		for _, k := range [][3]string{{o.member, "channel", o.channel}, {o.member, "store", o.store}} {
			if perValue[k] == nil {
				perValue[k] = &agg{}
			}
			add(perValue[k], rev, disc, at)
		}
	}
	out := map[[2]string]*kpis{}
	count := func(key [2]string, basis string, m fxMember, a *agg) {
		k := out[key]
		if k == nil {
			k = &kpis{basis: basis}
			out[key] = k
		}
		k.members++
		if m.band != "" {
			k.scored++
		}
		if m.band == "high" || m.band == "critical" {
			k.risk++
		}
		if m.clv != nil {
			k.clvMembers++
			k.clvSum += *m.clv
		}
		if a == nil {
			return
		}
		k.buyers++
		if len(a.days) > 1 {
			k.repeat++
		}
		if !a.last.Before(activeStart) {
			k.active++
		}
		k.orders += a.orders
		k.revenue += a.revenue
		k.discount += a.disc
	}
	for _, m := range fxMembers {
		a := perMember[m.id]
		for _, d := range [][2]string{{"all", "all"}, {"region", m.region}, {"join_channel", m.channel}, {"tier", m.tier},
			{"value_layer", m.layer}, {"lifecycle_stage", m.stage}} {
			count(d, "member", m, a)
		}
	}
	for k, a := range perValue {
		count([2]string{k[1], k[2]}, "order", prof[k[0]], a)
	}
	return out
}

const rowQuery = `SELECT dimension, value, basis, toString(members), toString(active_members), toString(buyers), toString(repeat_buyers),
	toString(orders), toString(revenue), toString(discount), toString(churn_scored), toString(churn_risk_members), toString(clv_members),
	toString(ifNull(avg_clv, -1)), toString(ifNull(revenue_share, -1)), toString(ifNull(discount_rate, -1)), toString(gross_revenue), run_id
	FROM kpi_breakdown WHERE as_of = '` + fxAsOf + `' ORDER BY dimension, value`

// checkBreakdown compares every kpi_breakdown row with the Go computation
// and checks the additive sums of each dimension against the all row.
func checkBreakdown(t *testing.T, conn warehouse.Conn, runID string) {
	t.Helper()
	want := expected()
	got := chtest.Rows(t, conn, rowQuery)
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d: %v", len(got), len(want), got)
	}
	num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	all := want[[2]string{"all", "all"}]
	type sums struct{ members, orders, revenue, discount float64 }
	perDim := map[string]*sums{}
	for _, r := range got {
		key := [2]string{r[0], r[1]}
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected row %v", r)
			continue
		}
		vals := []float64{float64(w.members), float64(w.active), float64(w.buyers), float64(w.repeat), float64(w.orders), w.revenue,
			w.discount, float64(w.scored), float64(w.risk), float64(w.clvMembers)}
		names := []string{"members", "active_members", "buyers", "repeat_buyers", "orders", "revenue", "discount", "churn_scored", "churn_risk_members", "clv_members"}
		for i, v := range vals {
			if g := num(r[3+i]); math.Abs(g-v) > 1e-9 {
				t.Errorf("%s=%q: %s = %v, want %v", r[0], r[1], names[i], g, v)
			}
		}
		if r[2] != w.basis || r[17] != runID {
			t.Errorf("%s=%q: basis %s run %s, want %s %s", r[0], r[1], r[2], r[17], w.basis, runID)
		}
		wantCLV := -1.0
		if w.clvMembers > 0 {
			wantCLV = w.clvSum / float64(w.clvMembers)
		}
		wantRate := -1.0
		if w.revenue+w.discount > 0 {
			wantRate = w.discount / (w.revenue + w.discount)
		}
		if math.Abs(num(r[13])-wantCLV) > 1e-9 || math.Abs(num(r[14])-w.revenue/all.revenue) > 1e-9 ||
			math.Abs(num(r[15])-wantRate) > 1e-9 || math.Abs(num(r[16])-(w.revenue+w.discount)) > 1e-9 {
			t.Errorf("%s=%q: avg_clv %s revenue_share %s discount_rate %s gross %s, want %v %v %v %v", r[0], r[1], r[13], r[14], r[15], r[16],
				wantCLV, w.revenue/all.revenue, wantRate, w.revenue+w.discount)
		}
		if r[0] == "all" {
			continue
		}
		s := perDim[r[0]]
		if s == nil {
			s = &sums{}
			perDim[r[0]] = s
		}
		s.members += num(r[3])
		s.orders += num(r[7])
		s.revenue += num(r[8])
		s.discount += num(r[9])
	}
	dims := []string{"region", "join_channel", "tier", "value_layer", "lifecycle_stage", "channel", "store"}
	for _, d := range dims {
		s := perDim[d]
		if s == nil {
			t.Errorf("no rows for dimension %s", d)
			continue
		}
		if math.Abs(s.orders-float64(all.orders)) > 1e-9 || math.Abs(s.revenue-all.revenue) > 1e-6 || math.Abs(s.discount-all.discount) > 1e-6 {
			t.Errorf("dimension %s sums orders %v revenue %v discount %v, want the all row's %d %v %v", d, s.orders, s.revenue, s.discount, all.orders, all.revenue, all.discount)
		}
		if d != "channel" && d != "store" && s.members != float64(all.members) {
			t.Errorf("dimension %s sums %v members, want the all row's %d", d, s.members, all.members)
		}
	}
}

// checkContribution checks kpi_contribution for shares 0.1, 0.2, 0.5 of
// 10 members with window revenue 500, 110, 90 and seven zeros.
func checkContribution(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	got := chtest.Rows(t, conn, `SELECT toString(top_share), toString(members_total), toString(top_members), toString(top_revenue),
		toString(revenue_share), toString(ratio) FROM kpi_contribution WHERE as_of = '`+fxAsOf+`' ORDER BY top_share`)
	want := [][]float64{
		{0.1, 10, 1, 500, 500.0 / 700, 500 / 70.0},
		{0.2, 10, 2, 610, 610.0 / 700, 305 / 70.0},
		{0.5, 10, 5, 700, 1, 140 / 70.0},
	}
	if len(got) != len(want) {
		t.Fatalf("kpi_contribution = %v, want %d rows", got, len(want))
	}
	prevShare, prevRatio := 0.0, math.Inf(1)
	for i, r := range got {
		for j, s := range r {
			if v, _ := strconv.ParseFloat(s, 64); math.Abs(v-want[i][j]) > 1e-9 {
				t.Errorf("row %d column %d = %s, want %v", i, j, s, want[i][j])
			}
		}
		share, _ := strconv.ParseFloat(r[4], 64)
		ratio, _ := strconv.ParseFloat(r[5], 64)
		if share < prevShare || ratio > prevRatio {
			t.Errorf("row %d: revenue share %v after %v, ratio %v after %v: want the share rising and the ratio falling", i, share, prevShare, ratio, prevRatio)
		}
		prevShare, prevRatio = share, ratio
	}
}

func runTwice(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	ctx := context.Background()
	p := DefaultParams()
	p.TopShares = []float64{0.1, 0.2, 0.5}
	m, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse(fxAsOf)
	for _, run := range []string{"r1", "r2"} {
		res, err := m.Run(ctx, models.Env{Conn: conn, RunID: run, Inputs: map[string]string{"member_profile": "p1"}}, day)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows["kpi_contribution"] != 3 || res.Metrics["members"] != 10 || res.Metrics["revenue"] != 700 ||
			math.Abs(res.Metrics["top_10pct_revenue_share"]-500.0/700) > 1e-9 {
			t.Errorf("run %s: %+v", run, res)
		}
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM kpi_breakdown WHERE run_id != 'r2'"); n != 0 {
		t.Errorf("%d kpi_breakdown rows of the first run left after the re-run", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM kpi_contribution"); n != 3 {
		t.Errorf("kpi_contribution holds %d rows after the re-run, want 3", n)
	}
	checkBreakdown(t, conn, "r2")
	checkContribution(t, conn)
}

// TestKPIBreakdownIntegration runs the model twice on the fixture on each
// engine: every row equals the Go computation, each dimension's additive
// sums equal the all row, the top shares are right and monotone, and the
// re-run replaced both partitions.
func TestKPIBreakdownIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			load(t, e.Conn)
			runTwice(t, e.Conn)
		})
	}
}

// TestKPIBreakdownClusterIntegration: the same in cluster mode, with
// member_profile and orders sharded over two servers.
func TestKPIBreakdownClusterIntegration(t *testing.T) {
	t.Parallel()
	db, cc := chtest.MigratedCluster(t)
	load(t, cc)
	var perShard []uint64
	for _, sh := range db.Shards {
		perShard = append(perShard, chtest.QueryUint(t, sh, "SELECT count() FROM orders_local"))
	}
	if perShard[0] == 0 || perShard[1] == 0 {
		t.Fatalf("orders per shard %v: the fixture should span both shards", perShard)
	}
	runTwice(t, cc)
}

// TestExpectedFixture pins the Go computation itself on a few hand-counted
// figures, so a mistake there cannot hide one in the SQL.
func TestExpectedFixture(t *testing.T) {
	t.Parallel()
	w := expected()
	all := w[[2]string{"all", "all"}]
	if all.members != 10 || all.buyers != 3 || all.active != 3 || all.repeat != 2 || all.orders != 6 || all.revenue != 700 || all.discount != 45 ||
		all.scored != 3 || all.risk != 2 || all.clvMembers != 3 {
		t.Errorf("all = %+v", *all)
	}
	s1 := w[[2]string{"store", "S1"}]
	if s1.members != 2 || s1.orders != 3 || s1.revenue != 410 || s1.repeat != 0 {
		t.Errorf("store S1 = %+v", *s1)
	}
	var keys []string
	for k := range w {
		keys = append(keys, k[0]+"="+k[1])
	}
	sort.Strings(keys)
	if len(keys) != 26 {
		t.Errorf("%d rows: %v", len(keys), keys)
	}
}

// TestExampleConfig: the documented section of the example configuration
// decodes, and states the defaults.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Models.KPIBreakdown.IsZero() {
		t.Fatal("the example configuration has no models.kpi_breakdown section")
	}
	m, err := FromConfig(cfg.Models.KPIBreakdown)
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultParams()
	if m.p.WindowDays != d.WindowDays || m.p.ActiveDays != d.ActiveDays || fmt.Sprint(m.p.TopShares) != fmt.Sprint(d.TopShares) ||
		fmt.Sprint(m.p.ChurnRiskBands) != fmt.Sprint(d.ChurnRiskBands) {
		t.Errorf("example %+v, defaults %+v", m.p, d)
	}
}

// TestKPIBreakdownFailedRunKeepsPartitionIntegration: a run that fails
// (here: orders_current is gone) names the query and leaves the previous
// run's partitions as they were.
func TestKPIBreakdownFailedRunKeepsPartitionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	load(t, conn)
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse(fxAsOf)
	env := models.Env{Conn: conn, RunID: "r1", Inputs: map[string]string{"member_profile": "p1"}}
	if _, err := m.Run(ctx, env, day); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "DROP TABLE orders_current"); err != nil {
		t.Fatal(err)
	}
	env.RunID = "r2"
	if _, err := m.Run(ctx, env, day); err == nil || !strings.Contains(err.Error(), "kpi_breakdown.base_fill") {
		t.Errorf("run without orders_current: err = %v, want it to name kpi_breakdown.base_fill", err)
	}
	for _, table := range []string{"kpi_breakdown", "kpi_contribution"} {
		if got := chtest.Rows(t, conn, "SELECT run_id, toString(count()) FROM "+table+" GROUP BY run_id"); len(got) != 1 || got[0][0] != "r1" || got[0][1] == "0" {
			t.Errorf("%s after the failed run: %v, want the rows of r1", table, got)
		}
	}
}
