package tiers

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/engagement"
)

func TestTiersIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "u", Joined: "2023-01-01 00:00:00"}, {ID: "d", Joined: "2023-01-01 00:00:00"}, {ID: "g", Joined: "2023-01-01 00:00:00"},
			{ID: "p", Joined: "2023-01-01 00:00:00"}, {ID: "n", Joined: "2024-04-10 00:00:00"}},
		Orders: []modeltest.Order{
			{Member: "u", At: "2024-02-01 10:00:00", Amount: 90}, {Member: "u", At: "2024-03-10 10:00:00", Amount: 20},
			{Member: "d", At: "2023-03-05 10:00:00", Amount: 200},
			{Member: "g", At: "2024-02-20 10:00:00", Amount: 600},
			{Member: "p", At: "2024-03-01 10:00:00", Amount: 900, Status: "refunded"},
		},
		Events: []modeltest.Event{{Member: "g", At: "2024-02-25 10:00:00", Typ: "login", Value: 0}, {Member: "p", At: "2024-03-15 10:00:00", Typ: "points_earned", Value: 1200}},
	}, func(t *testing.T, conn warehouse.Conn) {
		cfg := Params{
			Levels: []Level{
				{Name: "Bronze", Rule: "any"},
				{Name: "Silver", MinSpend: 100, MinPoints: 1000, Rule: "any"},
				{Name: "Gold", MinSpend: 500, MinEngagement: 50, Rule: "all"},
			},
			WindowDays: 365, ReviewDays: 30, NearUpgrade: 0.8, MaxDowngradeLevels: 1, ConversionDays: 30, RetentionDays: 30,
		}
		reg := models.NewRegistry()
		for _, m := range []models.Model{&Tiers{cfg: cfg}, modeltest.Must(engagement.New(engagement.DefaultParams()))} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		run := func(asOf string) []models.RunResult {
			res, err := models.RunAll(context.Background(), reg, models.Env{Conn: conn, Location: time.UTC, RunID: asOf}, nil, modeltest.AsOf(t, asOf))
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Model != "engagement" {
				t.Fatalf("engagement must run first, got %s", res[0].Model)
			}
			return res
		}
		q := `SELECT member_id, tier, previous_tier, movement, qualified_tier, toString(last_qualified), toString(review_date),
		toString(spend_window), toString(round(progress, 4)), toString(spend_gap), toString(near_upgrade), next_tier
		FROM tiers WHERE as_of = ? ORDER BY member_id`
		// 2024-03-01: window [2023-03-03, 2024-03-02). u spends 90 of Silver's 100:
		// progress 0.9, near upgrade. d spent 200 (2023-03-05): Silver; Gold is
		// rule all, engagement 0 of 50 -> progress min(0.4, 0) = 0. g: 600 and
		// engagement 100 (the only member with events): Gold, the top.
		run("2024-03-01")
		want := [][]string{
			{"d", "Silver", "", "new", "Silver", "2024-03-01", "2024-03-31", "200", "0", "300", "0", "Gold"},
			{"g", "Gold", "", "new", "Gold", "2024-03-01", "2024-03-31", "600", "1", "0", "0", ""},
			{"p", "Bronze", "", "new", "Bronze", "2024-03-01", "2024-03-31", "0", "0", "100", "0", "Silver"},
			{"u", "Bronze", "", "new", "Bronze", "2024-03-01", "2024-03-31", "90", "0.9", "10", "1", "Silver"},
		}
		if got := chtest.Rows(t, conn, q, "2024-03-01"); !reflect.DeepEqual(got, want) {
			t.Errorf("2024-03-01:\n got %v\nwant %v", got, want)
		}
		// 2024-03-20: u reaches 110 -> Silver (up); p earns 1200 points -> Silver
		// (up); d's order left the window -> qualifies Bronze only, but its
		// review is due 2024-03-31: stays Silver. g still qualifies for Gold,
		// which does not restart its period (review still 2024-03-31).
		res := run("2024-03-20")
		want = [][]string{
			{"d", "Silver", "Silver", "same", "Bronze", "2024-03-01", "2024-03-31", "0", "0", "500", "0", "Gold"},
			{"g", "Gold", "Gold", "same", "Gold", "2024-03-01", "2024-03-31", "600", "1", "0", "0", ""},
			{"p", "Silver", "Bronze", "up", "Silver", "2024-03-20", "2024-04-19", "0", "0", "500", "0", "Gold"},
			{"u", "Silver", "Bronze", "up", "Silver", "2024-03-20", "2024-04-19", "110", "0", "390", "0", "Gold"},
		}
		if got := chtest.Rows(t, conn, q, "2024-03-20"); !reflect.DeepEqual(got, want) {
			t.Errorf("2024-03-20:\n got %v\nwant %v", got, want)
		}
		// Of the three Silver members (d, p, u) only u has 2 orders in the
		// window. No flag of (2024-01-20, 2024-02-19] to follow up yet.
		if k := res[1].Result.Metrics; k["upgrade_conversion_rate_base"] != 0 ||
			k["members_silver"] != 3 || k["arpu_silver"] != 110.0/3 || k["repurchase_rate_silver"] != 1.0/3 {
			t.Errorf("2024-03-20 kpis: %v", k)
		}
		mig := `SELECT from_tier, to_tier, toString(members) FROM tier_migration WHERE as_of = ? ORDER BY from_tier, to_tier`
		if got, want := chtest.Rows(t, conn, mig, "2024-03-20"), [][]string{{"Bronze", "Silver", "2"}, {"Gold", "Gold", "1"}, {"Silver", "Silver", "1"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("migration 2024-03-20: got %v, want %v", got, want)
		}
		// 2024-04-15: d's review (2024-03-31) has passed: down to Bronze; g's
		// too, and g still qualifies: Gold renewed. n joined 2024-04-10: new
		// at Bronze. u and p keep Silver until their review (2024-04-19). u
		// has 2 Orders: repurchase.
		res = run("2024-04-15")
		got := chtest.Rows(t, conn, `SELECT member_id, tier, movement, toString(last_qualified) FROM tiers WHERE as_of = '2024-04-15' ORDER BY member_id`)
		want = [][]string{{"d", "Bronze", "down", "2024-04-15"}, {"g", "Gold", "same", "2024-04-15"}, {"n", "Bronze", "new", "2024-04-15"},
			{"p", "Silver", "same", "2024-03-20"}, {"u", "Silver", "same", "2024-03-20"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("2024-04-15:\n got %v\nwant %v", got, want)
		}
		// u, flagged near upgrade on 2024-03-01 (in (02-15, 03-16]), moved
		// up on 03-20, within conversion_days (30): conversion 1 of 1.
		if k := res[1].Result.Metrics; k["upgrade_conversion_rate"] != 1 || k["upgrade_conversion_rate_base"] != 1 || k["repurchase_rate_silver"] != 0.5 {
			t.Errorf("2024-04-15 kpis: %v", k)
		}
		if got, want := chtest.Rows(t, conn, mig, "2024-04-15"), [][]string{{"Gold", "Gold", "1"}, {"Silver", "Bronze", "1"}, {"Silver", "Silver", "2"}, {"none", "Bronze", "1"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("migration 2024-04-15: got %v, want %v", got, want)
		}
		run("2024-04-15")
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM tiers"); n != 13 {
			t.Errorf("after re-run: %d tier rows, want 13", n)
		}
	})
}

// TestTiersDayEndIntegration: as_of is inclusive to the last second of the
// day. An order at 23:59:59 on as_of counts toward the tier; one a second
// later (00:00:00 the next day) does not, for spend or for orders.
func TestTiersDayEndIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "e", Joined: "2023-01-01 00:00:00"}, {ID: "f", Joined: "2023-01-01 00:00:00"}},
		Orders: []modeltest.Order{
			{Member: "e", At: "2024-03-01 23:59:59", Amount: 150},
			{Member: "f", At: "2024-03-02 00:00:00", Amount: 150},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		cfg := Params{
			Levels:     []Level{{Name: "Bronze", Rule: "any"}, {Name: "Silver", MinSpend: 100, Rule: "any"}},
			WindowDays: 365, ReviewDays: 30, NearUpgrade: 0.8, MaxDowngradeLevels: 1, ConversionDays: 30, RetentionDays: 30,
		}
		reg := models.NewRegistry()
		for _, m := range []models.Model{&Tiers{cfg: cfg}, modeltest.Must(engagement.New(engagement.DefaultParams()))} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.RunAll(context.Background(), reg, models.Env{Conn: conn, Location: time.UTC, RunID: "r"}, nil, modeltest.AsOf(t, "2024-03-01")); err != nil {
			t.Fatal(err)
		}
		got := chtest.Rows(t, conn, `SELECT member_id, tier, toString(spend_window) FROM tiers WHERE as_of = '2024-03-01' ORDER BY member_id`)
		want := [][]string{{"e", "Silver", "150"}, {"f", "Bronze", "0"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestTiersRepurchaseIsSecondPurchaseDayIntegration: repurchase_rate_<tier>
// counts members with a second purchase day in the window (models/README.md);
// two orders on one day are one purchase day. On main x counted (2+ orders).
func TestTiersRepurchaseIsSecondPurchaseDayIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "x", Joined: "2023-01-01 00:00:00"}, {ID: "y", Joined: "2023-01-01 00:00:00"}},
		Orders: []modeltest.Order{
			{Member: "x", At: "2024-03-10 09:00:00", Amount: 10}, {Member: "x", At: "2024-03-10 18:00:00", Amount: 10}, // one purchase day
			{Member: "y", At: "2024-03-10 09:00:00", Amount: 10}, {Member: "y", At: "2024-03-11 09:00:00", Amount: 10}, // two
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		cfg := Params{
			Levels:     []Level{{Name: "Bronze", Rule: "any"}, {Name: "Silver", MinSpend: 1000, Rule: "any"}},
			WindowDays: 365, ReviewDays: 30, NearUpgrade: 0.8,
		}
		r := runTiers(t, conn, &Tiers{cfg: cfg}, "2024-03-31")
		if got := r.Result.Metrics["repurchase_rate_bronze"]; got != 0.5 {
			t.Errorf("repurchase_rate_bronze = %v, want 0.5 (y only)", got)
		}
		if got := r.Result.Params["window_days"]; got != 365 {
			t.Errorf("window_days param = %v, want the 365 used (the report states it)", got)
		}
	})
}

// TestTiersReviewRuleIntegration: a tier is held review_days from the day
// it was reached (or last reviewed), not from the last day the member
// still qualified; at review it is renewed when the member qualifies,
// otherwise lowered by at most max_downgrade_levels (1); the first run
// seeds the level from the member's source_tier when it names a level.
// Window and review 365 days; Silver 100, Gold 500.
//
//	a: 600 on 2023-01-10 -> Gold on 2023-01-10 (review 2024-01-10). On
//	   2024-01-15 the order has left the window (qualifies Bronze) and the
//	   review is due: Silver, one level down, next review 2025-01-14. (The
//	   old rule restarted the clock at every run a still qualified, so a
//	   kept Gold until 2025-01-08, two years after the spend.)
//	   2025-01-20: review due, still Bronze: Bronze.
//	b: source tier "gold", no Orders: Gold from the first run.
//	c: source tier "Silver", 600 spent: Gold (the higher of the two).
//	g: 600 on 2023-01-10 and 600 on 2023-12-01: Gold renewed at the
//	   2024-01-15 review (next review 2025-01-14).
func TestTiersReviewRuleIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "a", Joined: "2023-01-01 00:00:00"}, {ID: "g", Joined: "2023-01-01 00:00:00"}},
		MemberVersions: []modeltest.MemberVersion{
			{ID: "b", Joined: "2023-01-01 00:00:00", Tier: "gold", Updated: "2023-01-01 00:00:00"},
			{ID: "c", Joined: "2023-01-01 00:00:00", Tier: "Silver", Updated: "2023-01-01 00:00:00"},
		},
		Orders: []modeltest.Order{
			{Member: "a", At: "2023-01-10 10:00:00", Amount: 600}, {Member: "c", At: "2023-01-05 10:00:00", Amount: 600},
			{Member: "g", At: "2023-01-10 10:00:00", Amount: 600}, {Member: "g", At: "2023-12-01 10:00:00", Amount: 600},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		cfg := Params{
			Levels: []Level{
				{Name: "Bronze", Rule: "any"}, {Name: "Silver", MinSpend: 100, Rule: "any"}, {Name: "Gold", MinSpend: 500, Rule: "any"},
			},
			WindowDays: 365, ReviewDays: 365, NearUpgrade: 0.8, MaxDowngradeLevels: 1, ConversionDays: 30, RetentionDays: 30,
		}
		m := &Tiers{cfg: cfg}
		q := `SELECT member_id, tier, movement, toString(last_qualified), toString(review_date) FROM tiers WHERE as_of = ? ORDER BY member_id`
		for _, c := range []struct {
			asOf string
			want [][]string
		}{
			{"2023-01-10", [][]string{{"a", "Gold", "new", "2023-01-10", "2024-01-10"}, {"b", "Gold", "new", "2023-01-10", "2024-01-10"},
				{"c", "Gold", "new", "2023-01-10", "2024-01-10"}, {"g", "Gold", "new", "2023-01-10", "2024-01-10"}}},
			{"2023-06-01", [][]string{{"a", "Gold", "same", "2023-01-10", "2024-01-10"}, {"b", "Gold", "same", "2023-01-10", "2024-01-10"},
				{"c", "Gold", "same", "2023-01-10", "2024-01-10"}, {"g", "Gold", "same", "2023-01-10", "2024-01-10"}}},
			{"2024-01-15", [][]string{{"a", "Silver", "down", "2024-01-15", "2025-01-14"}, {"b", "Silver", "down", "2024-01-15", "2025-01-14"},
				{"c", "Silver", "down", "2024-01-15", "2025-01-14"}, {"g", "Gold", "same", "2024-01-15", "2025-01-14"}}},
			{"2025-01-20", [][]string{{"a", "Bronze", "down", "2025-01-20", "2026-01-20"}, {"b", "Bronze", "down", "2025-01-20", "2026-01-20"},
				{"c", "Bronze", "down", "2025-01-20", "2026-01-20"}, {"g", "Silver", "down", "2025-01-20", "2026-01-20"}}},
		} {
			runTiers(t, conn, m, c.asOf)
			if got := chtest.Rows(t, conn, q, c.asOf); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s:\n got %v\nwant %v", c.asOf, got, c.want)
			}
		}
	})
}

// TestTiersUpgradeKPIsIntegration: as_of D = 2024-03-31, conversion_days
// = retention_days = 10, so the cohorts are the flags and upgrades of
// (03-11, 03-21], each followed for 10 days. Earlier tiers rows are
// written directly. Worked by hand:
//
//	03-15: t1, t2, t3 move up; c1, c2, c3, k1 are near upgrade
//	03-18: k1 moves up
//
// Conversion: 4 flagged (c1, c2, c3, k1), k1 moved up within 10 days:
// 0.25. Treated (moved up): t1, t2, t3 (ref 03-15), k1 (ref 03-18).
// Control: c1, c2, c3 (k1 moved up within 10 days of its flag).
// Before = (ref-10, ref], after = (ref, ref+10]:
//
//	member  before           after      d orders  d spend  d aov
//	t1      100              150, 150    1         200      50
//	t2      50               100         0          50      50
//	t3      -                -           0           0      -
//	k1      40, 60           80         -1         -20      30
//	c1      100              100         0           0       0
//	c2      50, 50           60         -1         -40      10
//	c3      -                30          1          30      -
//
// Retention: t1, t2, k1 of 4 bought after the upgrade: 0.75. DiD:
// frequency 0 - 0 = 0 (SE sqrt((2/3)/4 + 1/3) = sqrt(1/2)), spend
// 57.5 - (-10/3) = 60.8333, AOV (members with orders before and after)
// 130/3 - 5 = 38.3333 on 3 and 2 members.
func TestTiersUpgradeKPIsIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Orders: []modeltest.Order{
			{Member: "t1", At: "2024-03-10 10:00:00", Amount: 100}, {Member: "t1", At: "2024-03-17 10:00:00", Amount: 150}, {Member: "t1", At: "2024-03-24 10:00:00", Amount: 150},
			{Member: "t2", At: "2024-03-14 10:00:00", Amount: 50}, {Member: "t2", At: "2024-03-16 10:00:00", Amount: 100},
			{Member: "t3", At: "2024-02-01 10:00:00", Amount: 500}, {Member: "t3", At: "2024-03-28 10:00:00", Amount: 70},
			{Member: "k1", At: "2024-03-10 10:00:00", Amount: 40}, {Member: "k1", At: "2024-03-12 10:00:00", Amount: 60}, {Member: "k1", At: "2024-03-20 10:00:00", Amount: 80},
			{Member: "c1", At: "2024-03-10 10:00:00", Amount: 100}, {Member: "c1", At: "2024-03-20 10:00:00", Amount: 100},
			{Member: "c2", At: "2024-03-06 10:00:00", Amount: 50}, {Member: "c2", At: "2024-03-15 23:00:00", Amount: 50}, {Member: "c2", At: "2024-03-25 10:00:00", Amount: 60},
			{Member: "c3", At: "2024-03-16 00:00:00", Amount: 30},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		ctx := context.Background()
		b, err := conn.PrepareBatch(ctx, "INSERT INTO tiers (as_of, member_id, tier, tier_rank, movement, near_upgrade, run_id)")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			day, member, tier string
			rank              uint8
			movement          string
			near              uint8
		}{
			{"2024-03-15", "t1", "Silver", 1, "up", 0}, {"2024-03-15", "t2", "Silver", 1, "up", 0}, {"2024-03-15", "t3", "Silver", 1, "up", 0},
			{"2024-03-15", "c1", "Bronze", 0, "same", 1}, {"2024-03-15", "c2", "Bronze", 0, "same", 1}, {"2024-03-15", "c3", "Bronze", 0, "same", 1},
			{"2024-03-15", "k1", "Bronze", 0, "same", 1},
			{"2024-03-18", "k1", "Silver", 1, "up", 0}, {"2024-03-18", "c1", "Bronze", 0, "same", 1},
		} {
			if err := b.Append(modeltest.AsOf(t, r.day), r.member, r.tier, r.rank, r.movement, r.near, "fx"); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
		cfg := Params{
			Levels:     []Level{{Name: "Bronze", Rule: "any"}, {Name: "Silver", MinSpend: 100, Rule: "any"}},
			WindowDays: 365, ReviewDays: 30, NearUpgrade: 0.8, MaxDowngradeLevels: 1, ConversionDays: 10, RetentionDays: 10,
		}
		k := runTiers(t, conn, &Tiers{cfg: cfg}, "2024-03-31").Result.Metrics
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		for name, want := range map[string]float64{
			"upgrade_conversion_rate": 0.25, "upgrade_conversion_rate_base": 4,
			"upgrade_retention_rate": 0.75, "upgrade_retention_rate_base": 4,
			"upgrade_effect_frequency": 0, "upgrade_effect_frequency_se": math.Sqrt(0.5),
			"upgrade_effect_frequency_treated": 4, "upgrade_effect_frequency_control": 3,
			"upgrade_effect_spend": 57.5 + 10.0/3, "upgrade_effect_spend_treated": 4, "upgrade_effect_spend_control": 3,
			"upgrade_effect_aov": 130.0/3 - 5, "upgrade_effect_aov_treated": 3, "upgrade_effect_aov_control": 2,
		} {
			if got, ok := k[name]; !ok || !near(got, want) {
				t.Errorf("%s = %g (recorded %v), want %g", name, got, ok, want)
			}
		}
		for _, m := range []string{"frequency", "spend", "aov"} {
			e, lo, hi := k["upgrade_effect_"+m], k["upgrade_effect_"+m+"_ci_low"], k["upgrade_effect_"+m+"_ci_high"]
			if !(lo < e && e < hi) {
				t.Errorf("%s: interval [%g, %g] does not hold the estimate %g", m, lo, hi, e)
			}
		}
		if _, ok := k["upgraded_retention_rate"]; ok {
			t.Error("upgraded_retention_rate (1 by construction) is still recorded")
		}
	})
}

// runTiers runs engagement, the dependency tiers reads, then m for asOf
// (UTC) and returns m's result.
func runTiers(t *testing.T, conn warehouse.Conn, m models.Model, asOf string) models.RunResult {
	t.Helper()
	modeltest.Run(t, conn, modeltest.Must(engagement.New(engagement.DefaultParams())), asOf, time.UTC)
	return modeltest.Run(t, conn, m, asOf, time.UTC)
}

// TestTiersSourceTierGatedOnLedgerIntegration: the source tier that seeds
// a member's first level comes from published member versions only. b has
// no source tier from 2023-01-01 and from 2023-06-01; the version of
// 2023-01-05 naming gold comes from a file still loading, so on
// 2023-01-10 b (no orders) is Bronze; once the file is loaded, Gold.
func TestTiersSourceTierGatedOnLedgerIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		MemberVersions: []modeltest.MemberVersion{
			{ID: "b", Joined: "2023-01-01 00:00:00", Updated: "2023-01-01 00:00:00"},
			{ID: "b", Joined: "2023-01-01 00:00:00", Updated: "2023-06-01 00:00:00"},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.LoadUnpublished(t, conn, "unpublished",
			modeltest.MemberVersion{ID: "b", Joined: "2023-01-01 00:00:00", Tier: "gold", Updated: "2023-01-05 00:00:00"})
		m := &Tiers{cfg: Params{
			Levels:     []Level{{Name: "Bronze", Rule: "any"}, {Name: "Silver", MinSpend: 100, Rule: "any"}, {Name: "Gold", MinSpend: 500, Rule: "any"}},
			WindowDays: 365, ReviewDays: 365, NearUpgrade: 0.8, MaxDowngradeLevels: 1, ConversionDays: 30, RetentionDays: 30,
		}}
		q := `SELECT member_id, tier FROM tiers WHERE as_of = '2023-01-10' ORDER BY member_id`
		runTiers(t, conn, m, "2023-01-10")
		if got, want := chtest.Rows(t, conn, q), [][]string{{"b", "Bronze"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("with the file loading: got %v, want %v", got, want)
		}
		modeltest.Publish(t, conn, "unpublished")
		runTiers(t, conn, m, "2023-01-10")
		if got, want := chtest.Rows(t, conn, q), [][]string{{"b", "Gold"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("with the file loaded: got %v, want %v", got, want)
		}
	})
}
