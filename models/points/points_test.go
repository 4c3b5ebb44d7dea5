package points

import (
	"context"
	"encoding/csv"
	"errors"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/tiers"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tt := range []struct {
		edit func(*Params)
		want string
	}{
		{func(p *Params) { p.WindowDays = 0 }, "models.points.window_days: must be 1 to 3660, got 0"},
		{func(p *Params) { p.ValuePerPoint = 0 }, "models.points.value_per_point: must be a positive number, got 0"},
		{func(p *Params) { p.ValuePerPoint = math.NaN() }, "models.points.value_per_point: must be a positive number, got NaN"},
		{func(p *Params) { p.ValuePerPoint = math.Inf(1) }, "models.points.value_per_point: must be a positive number, got +Inf"},
		{func(p *Params) { p.Currency = "dollars and cents" }, `models.points.currency: must be at most 8 characters, got "dollars and cents"`},
	} {
		p := DefaultParams()
		tt.edit(&p)
		if _, err := New(p); err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v): err = %v, want %s", p, err, tt.want)
		}
	}
}

// TestFromConfig: the section is decoded over the defaults, the currency
// falls back to report.currency, and a bad key or value is named.
func TestFromConfig(t *testing.T) {
	fromYAML := func(y string) (*Points, error) {
		cfg := config.Default()
		if err := config.Parse([]byte(y), &cfg); err != nil {
			t.Fatal(err)
		}
		return FromConfig(cfg.Models.Points, cfg.Report.Currency)
	}
	m, err := fromYAML("report:\n  currency: $\nmodels:\n  points:\n    value_per_point: 0.005\n")
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Params(); p.ValuePerPoint != 0.005 || p.WindowDays != 30 || p.Currency != "$" {
		t.Errorf("params %+v, want value 0.005, the default window and report.currency", p)
	}
	if _, err := fromYAML("models:\n  points:\n    value_per_pt: 1\n"); err == nil || !strings.Contains(err.Error(), "models.points.value_per_pt (line 3)") {
		t.Errorf("unknown key: err = %v", err)
	}
	if _, err := fromYAML("models:\n  points:\n    window_days: -1\n"); err == nil || !strings.Contains(err.Error(), "models.points.window_days") {
		t.Errorf("bad window: err = %v", err)
	}
}

// account is one member's points figures, computed in Go from the
// generated events file.
type account struct{ earned, redeemed, expired, earnedW, redeemedW, expiredW float64 }

func (a account) balance() float64 { return a.earned - a.redeemed - a.expired }

// accounts sums events.csv per member up to end, with the window
// [from, end).
func accounts(t *testing.T, dir string, from, end time.Time) map[string]account {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]account{}
	for _, r := range rows[1:] {
		at, err := time.Parse(time.RFC3339, r[2])
		if err != nil {
			t.Fatal(err)
		}
		if !at.Before(end) || !strings.HasPrefix(r[3], "points_") {
			continue
		}
		v, _ := strconv.ParseFloat(r[4], 64)
		in := !at.Before(from)
		a := out[r[1]]
		switch r[3] {
		case "points_earned":
			a.earned += v
			if in {
				a.earnedW += v
			}
		case "points_redeemed":
			a.redeemed += v
			if in {
				a.redeemedW += v
			}
		case "points_expired":
			a.expired += v
			if in {
				a.expiredW += v
			}
		}
		out[r[1]] = a
	}
	return out
}

// TestPointsIntegration runs tiers and points on generated data (points
// expiring 365 days after they were earned) on both engines, for the
// window's last day and a day in the middle: every member's balance and
// window figures equal a Go computation over the events file, the totals
// at the end equal truth.json (earned, redeemed, expired, outstanding),
// liability is outstanding times the value per point, breakage is the
// generated expiries' share, the tiers add up to all, and a re-run
// replaces the partition.
func TestPointsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	o := datagen.DefaultOptions()
	o.Members, o.Seed, o.OutDir = 1500, 7, dir
	sum, err := datagen.Generate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	truth := sum.Truth.Points
	if truth.Expired == 0 || truth.Redeemed == 0 {
		t.Fatalf("generated points %+v: want redemptions and expiries", truth)
	}
	p := Params{WindowDays: 30, ValuePerPoint: 0.02, Currency: "CNY"}
	m, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	reg := models.NewRegistry()
	for _, x := range []models.Model{modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(tiers.New(tiers.DefaultParams())), m} {
		if err := reg.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			if err := genload.All(ctx, conn, dir, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := models.RunOne(ctx, m, models.Env{Conn: conn, Location: time.UTC, RunID: "p0"}, datagen.DefaultEnd); !errors.Is(err, models.ErrMissingDependency) {
				t.Errorf("points without tiers: err = %v, want ErrMissingDependency", err)
			}
			for _, day := range []time.Time{datagen.DefaultEnd.AddDate(0, 0, -1), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)} {
				end := day.AddDate(0, 0, 1)
				want := accounts(t, dir, end.AddDate(0, 0, -p.WindowDays), end)
				res, err := models.RunAll(ctx, reg, models.Env{Conn: conn, Location: time.UTC, RunID: "r1"}, nil, day)
				if err != nil {
					t.Fatal(err)
				}
				checkDay(t, conn, day, p, want, res[len(res)-1].Result)
			}
			last := datagen.DefaultEnd.AddDate(0, 0, -1)
			d := last.Format(asof.Layout)
			all := chtest.Rows(t, conn, "SELECT toString(earned_total), toString(redeemed_total), toString(expired_total), toString(outstanding), toString(breakage_settled) FROM points_programme WHERE as_of = ? AND tier = 'all'", d)
			f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
			if len(all) != 1 || f(all[0][0]) != truth.Earned || f(all[0][1]) != truth.Redeemed || f(all[0][2]) != truth.Expired || f(all[0][3]) != truth.Outstanding {
				t.Errorf("programme at %s: %v, truth.json %+v", d, all, truth)
			} else if b := truth.Expired / (truth.Redeemed + truth.Expired); math.Abs(f(all[0][4])-b) > 1e-9 {
				t.Errorf("breakage_settled %s, want the generated expiries' share %v", all[0][4], b)
			} else {
				t.Logf("%s: earned %.0f, redeemed %.0f, expired %.0f, outstanding %.0f, breakage_settled %.4f", e.Name, truth.Earned, truth.Redeemed, truth.Expired, truth.Outstanding, b)
			}

			// A re-run replaces the partition.
			before := chtest.QueryUint(t, conn, "SELECT count() FROM points_balance WHERE as_of = ?", d)
			if _, err := models.RunOne(ctx, m, models.Env{Conn: conn, Location: time.UTC, RunID: "r2"}, last); err != nil {
				t.Fatal(err)
			}
			if n, r2 := chtest.QueryUint(t, conn, "SELECT count() FROM points_balance WHERE as_of = ?", d),
				chtest.QueryUint(t, conn, "SELECT count() FROM points_balance WHERE as_of = ? AND run_id = 'r2'", d); n != before || r2 != n {
				t.Errorf("re-run: %d rows (%d of r2), want %d, all of r2", n, r2, before)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM points_programme WHERE as_of = ? AND run_id != 'r2'", d); n != 0 {
				t.Errorf("re-run left %d points_programme rows of the first run", n)
			}
		})
	}
}

// checkDay compares day's outputs with the Go accounts.
func checkDay(t *testing.T, conn warehouse.Conn, day time.Time, p Params, want map[string]account, res models.Result) {
	t.Helper()
	d := day.Format(asof.Layout)
	got := chtest.Rows(t, conn, `SELECT member_id, tier, toString(earned_total), toString(redeemed_total), toString(expired_total),
		toString(balance), toString(liability), toString(earned_window), toString(redeemed_window), toString(expired_window)
		FROM points_balance WHERE as_of = ? ORDER BY member_id`, d)
	if len(got) != len(want) || len(got) < 100 {
		t.Fatalf("%s: %d members in points_balance, the events file has %d", d, len(got), len(want))
	}
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	byTier := map[string]float64{}
	var outstanding, earnedW, redeemedW, expiredW float64
	var active int
	for _, r := range got {
		a, ok := want[r[0]]
		if !ok || f(r[2]) != a.earned || f(r[3]) != a.redeemed || f(r[4]) != a.expired || f(r[5]) != a.balance() ||
			f(r[7]) != a.earnedW || f(r[8]) != a.redeemedW || f(r[9]) != a.expiredW {
			t.Fatalf("%s: %v, the events file gives %+v (balance %v)", d, r, a, a.balance())
		}
		if math.Abs(f(r[6])-a.balance()*p.ValuePerPoint) > 1e-9*math.Max(1, f(r[6])) || a.balance() < 0 {
			t.Fatalf("%s: %s liability %s for balance %v", d, r[0], r[6], a.balance())
		}
		byTier[r[1]] += a.balance()
		outstanding += a.balance()
		earnedW, redeemedW, expiredW = earnedW+a.earnedW, redeemedW+a.redeemedW, expiredW+a.expiredW
		if a.earnedW+a.redeemedW+a.expiredW != 0 {
			active++
		}
	}
	prog := chtest.Rows(t, conn, `SELECT tier, toString(outstanding), toString(liability), toString(active_members), toString(earned_window),
		toString(ifNull(redemption_rate, -1)), toString(ifNull(breakage_window, -1)), toString(ifNull(earn_per_active_member, -1)), currency
		FROM points_programme WHERE as_of = ? ORDER BY tier`, d)
	if len(prog) != len(byTier)+1 {
		t.Fatalf("%s: points_programme %v, want all and the tiers of %v", d, prog, byTier)
	}
	for _, r := range prog {
		w, ok := byTier[r[0]]
		if r[0] == "all" {
			w, ok = outstanding, true
			if f(r[3]) != float64(active) || f(r[4]) != earnedW || math.Abs(f(r[5])-redeemedW/earnedW) > 1e-12 ||
				math.Abs(f(r[6])-expiredW/earnedW) > 1e-12 || math.Abs(f(r[7])-earnedW/float64(active)) > 1e-9 {
				t.Errorf("%s: all row %v, want %d active, earned %v, redemption rate %v, breakage %v", d, r, active, earnedW, redeemedW/earnedW, expiredW/earnedW)
			}
			if res.Metrics["outstanding_points"] != outstanding || res.Metrics["negative_balances"] != 0 {
				t.Errorf("%s: metrics %v, want outstanding %v", d, res.Metrics, outstanding)
			}
		}
		if !ok || f(r[1]) != w || math.Abs(f(r[2])-w*p.ValuePerPoint) > 1e-9*math.Max(1, w) || r[8] != p.Currency {
			t.Errorf("%s: tier %s: %v, want outstanding %v, liability %v %s", d, r[0], r, w, w*p.ValuePerPoint, p.Currency)
		}
	}
	t.Logf("%s: %d members, outstanding %.0f, liability %.2f, earned %.0f redeemed %.0f expired %.0f in %d days, by tier %v",
		d, len(got), outstanding, outstanding*p.ValuePerPoint, earnedW, redeemedW, expiredW, p.WindowDays, byTier)
}

// TestPointsClusterIntegration: on the two-shard cluster (points_balance
// sharded, points_programme on the initiator) the model writes exactly
// the one server's rows, and the balances live on both shards.
func TestPointsClusterIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	o := datagen.DefaultOptions()
	o.Members, o.Seed, o.OutDir = 600, 11, dir
	if _, err := datagen.Generate(ctx, o); err != nil {
		t.Fatal(err)
	}
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	single := chtest.Migrated(t)
	db, cluster := chtest.MigratedCluster(t)
	day := datagen.DefaultEnd.AddDate(0, 0, -1)
	var got [2][][]string
	for i, conn := range []warehouse.Conn{single, cluster} {
		if err := genload.All(ctx, conn, dir, nil); err != nil {
			t.Fatal(err)
		}
		reg := models.NewRegistry()
		for _, x := range []models.Model{modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(tiers.New(tiers.DefaultParams())), m} {
			if err := reg.Add(x); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.RunAll(ctx, reg, models.Env{Conn: conn, Location: time.UTC, RunID: "c1"}, nil, day); err != nil {
			t.Fatal(err)
		}
		d := day.Format(asof.Layout)
		got[i] = append(chtest.Rows(t, conn, `SELECT member_id, tier, toString(balance), toString(liability), toString(earned_window),
			toString(expired_window), toString(last_event_at) FROM points_balance WHERE as_of = ? ORDER BY member_id`, d),
			chtest.Rows(t, conn, `SELECT tier, toString(members), toString(outstanding), toString(liability), toString(active_members),
			toString(redemption_rate), concat(toString(breakage_window), ' ', toString(breakage_settled), ' ', currency)
			FROM points_programme WHERE as_of = ? ORDER BY tier`, d)...)
	}
	if len(got[0]) < 100 || !slices.EqualFunc(got[0], got[1], slices.Equal[[]string]) {
		t.Errorf("cluster rows differ from the server's (%d and %d rows)", len(got[0]), len(got[1]))
	}
	for i, sh := range db.Shards {
		if n := chtest.QueryUint(t, sh, "SELECT count() FROM points_balance_local"); n == 0 {
			t.Errorf("shard %d holds no points_balance rows", i+1)
		}
	}
}

// TestExampleConfig: the keys deploy/memberlytics.example.yaml documents
// decode into the model's parameters.
func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromConfig(cfg.Models.Points, cfg.Report.Currency)
	if err != nil || m.Params().ValuePerPoint != 0.01 || m.Params().WindowDays != 30 {
		t.Fatalf("example config: %v, %v", m, err)
	}
}

// TestRunWithoutTiersRun: Run called outside RunOne (no tiers run in
// Env.Inputs) refuses before touching the warehouse.
func TestRunWithoutTiersRun(t *testing.T) {
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Run(context.Background(), models.Env{RunID: "r"}, datagen.DefaultEnd)
	if err == nil || !strings.Contains(err.Error(), "no run of dependency tiers") {
		t.Errorf("err = %v, want the missing tiers run named", err)
	}
}
