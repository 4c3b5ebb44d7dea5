package churn

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/tiers"
)

// TestChurnSQLFeatureOrder keeps churnFeatures, the features query's
// columns and the fill query's array f in the same order.
func TestChurnSQLFeatureOrder(t *testing.T) {
	t.Parallel()
	qs, err := queries.Sources()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\[([^\]]*)\] AS f`).FindStringSubmatch(qs["fill"])
	if m == nil {
		t.Fatal("fill query has no array f")
	}
	var arr []string
	for _, s := range strings.Split(m[1], ",") {
		arr = append(arr, strings.TrimSpace(s))
	}
	if strings.Join(arr, ",") != strings.Join(churnFeatures, ",") {
		t.Errorf("fill array f = %v\nwant churnFeatures %v", arr, churnFeatures)
	}
	// The outer SELECT of the features query names every feature with AS,
	// in order, between member_id and future_orders.
	re := regexp.MustCompile(`(?m)AS (\w+)`)
	outer := qs["features"][:strings.Index(qs["features"], "\nFROM")]
	var cols []string
	for _, m := range re.FindAllStringSubmatch(outer, -1) {
		cols = append(cols, m[1])
	}
	if strings.Join(cols, ",") != strings.Join(churnFeatures, ",") {
		t.Errorf("features query columns = %v\nwant %v", cols, churnFeatures)
	}
}

// TestChurnSQLGroups keeps the fill query's group sums gc (of contrib)
// and gz (of z) in the order and pairing of churnGroups, whose words
// are bound beside them.
func TestChurnSQLGroups(t *testing.T) {
	t.Parallel()
	qs, err := queries.Sources()
	if err != nil {
		t.Fatal(err)
	}
	for _, arr := range []string{"contrib", "z"} {
		var want []string
		for _, g := range churnGroups() {
			switch {
			case g.a == g.b && g.w == 0:
				want = append(want, fmt.Sprintf("%s[%d]", arr, g.a))
			case g.w == 1:
				want = append(want, fmt.Sprintf("%s[%d] + %s[%d]", arr, g.a, arr, g.b))
			default:
				t.Fatalf("group %+v: the fill query sums single features or pairs of weight 1", g)
			}
		}
		name := map[string]string{"contrib": "gc", "z": "gz"}[arr]
		m := regexp.MustCompile(`\[(` + arr + `\[[^A]*)\] AS ` + name + `\b`).FindStringSubmatch(qs["fill"])
		if m == nil {
			t.Fatalf("fill query has no array %s of %s", name, arr)
		}
		var got []string
		for _, s := range strings.Split(m[1], ",") {
			got = append(got, strings.TrimSpace(s))
		}
		if !slices.Equal(got, want) {
			t.Errorf("fill array %s = %v\nwant %v", name, got, want)
		}
	}
}

func TestChurnWords(t *testing.T) {
	t.Parallel()
	for _, f := range churnFeatures {
		hi, lo := churnWordsFor(f)
		if hi == "" || lo == "" || hi == lo || strings.Contains(hi, "_") || strings.Contains(lo, "_") {
			t.Errorf("%s: words %q / %q are not plain words", f, hi, lo)
		}
	}
	if hi, lo := churnWordsFor("login_30d"); hi != "many logins in the last 30 days" || lo != "few logins in the last 30 days" {
		t.Errorf("login_30d: %q / %q", hi, lo)
	}
}

// featuresAt fills a scratch feature table (dropped when t ends) whose
// three cut-offs are all c in UTC, with labels to the end of labelTo's
// day (c: no label).
func featuresAt(t *testing.T, m *Churn, env models.Env, c, labelTo time.Time) featureTable {
	t.Helper()
	ctx := context.Background()
	sc, err := queries.On(env.Conn).Scratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sc.Drop)
	cut := cutoff{w: models.NewWindow(c, time.UTC), labelEnd: models.NewWindow(labelTo, time.UTC).End}
	ft, err := m.features(ctx, env, sc, [3]cutoff{cut, cut, cut})
	if err != nil {
		t.Fatal(err)
	}
	return ft
}

// sampleAt is the sample at cut-off c (UTC) with labels from the next
// horizon_days days and no p_alive fit.
func sampleAt(t *testing.T, m *Churn, env models.Env, c time.Time) churnSet {
	t.Helper()
	set, err := m.sample(context.Background(), env, featuresAt(t, m, env, c, c.AddDate(0, 0, m.cfg.HorizonDays)), 1, 1, purchaseFit{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// churnFixtureModel is churn with a 30-day horizon and the default tiers
// Bronze, Silver, Gold, Diamond.
func churnFixtureModel(t *testing.T) *Churn {
	t.Helper()
	p := DefaultParams()
	p.HorizonDays = 30
	m, err := New(p, modeltest.Must(clv.New(clv.DefaultParams())), tiers.DefaultParams().LevelNames())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestChurnForwardValidationIntegration: as_of D = 2024-06-30, H = 30.
// The model is fitted at D-2H = 2024-05-01 (labels to 2024-05-31) and
// validated out of time at D-H = 2024-05-31 (labels to D), the later
// window. Worked by hand:
//
//	member  orders                    at 05-01 (label to 05-31)  at 05-31 (label to 06-30)
//	a       04-10, 06-10              churned                    stays
//	b       04-15, 05-10              stays                      churned
//	c       05-20                     -                          churned
//	d       04-20, 06-20              churned                    stays
//	e       05-25, 06-05              -                          stays
//
// Validation (05-31): 5 members, 2 churned (0.4). Fit (05-01): 3 members,
// 2 churned. The model that scores is refitted at 05-31 on the
// validation rows.
func TestChurnForwardValidationIntegration(t *testing.T) {
	t.Parallel()
	var members []modeltest.Member
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		members = append(members, modeltest.Member{ID: id, Joined: "2024-01-01 00:00:00"})
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: members,
		Orders: []modeltest.Order{
			{Member: "a", At: "2024-04-10 10:00:00", Amount: 50}, {Member: "a", At: "2024-06-10 10:00:00", Amount: 60},
			{Member: "b", At: "2024-04-15 10:00:00", Amount: 70}, {Member: "b", At: "2024-05-10 10:00:00", Amount: 30},
			{Member: "c", At: "2024-05-20 10:00:00", Amount: 40},
			{Member: "d", At: "2024-04-20 10:00:00", Amount: 80}, {Member: "d", At: "2024-06-20 10:00:00", Amount: 20},
			{Member: "e", At: "2024-05-25 10:00:00", Amount: 90}, {Member: "e", At: "2024-06-05 10:00:00", Amount: 10},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := churnFixtureModel(t)
		res, err := runWithCLV(t, conn, m, "f", modeltest.AsOf(t, "2024-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		k := res.Result.Metrics
		for name, want := range map[string]float64{
			"validation_members": 5, "validation_churn_rate": 0.4,
			"train_members": 3, "train_churn_rate": 2.0 / 3,
			"refit_members": 5,
		} {
			if k[name] != want {
				t.Errorf("%s = %g, want %g", name, k[name], want)
			}
		}
		if n := res.Result.Rows["churn"]; n != 5 {
			t.Errorf("scored %d members, want 5", n)
		}
	})
}

// TestChurnTierAtCutoffIntegration: the tier feature is the member's
// source_tier in the version valid at the cut-off (updated_at before its
// end), scored by position in models.tiers.levels (Bronze 1 .. Diamond
// 4, case-insensitive; unknown 0). x was Silver until 2024-07-15, then
// gold: at 2024-05-31 its tier is Silver (2), not gold (3). y is Gold
// (3); z names no configured level (0). Rows are told apart by their
// spend (x 50, y 60, z 70).
func TestChurnTierAtCutoffIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		MemberVersions: []modeltest.MemberVersion{
			{ID: "x", Joined: "2024-01-01 00:00:00", Tier: "Silver", Updated: "2024-01-01 00:00:00"},
			{ID: "x", Joined: "2024-01-01 00:00:00", Tier: "gold", Updated: "2024-07-15 00:00:00"},
			{ID: "y", Joined: "2024-01-01 00:00:00", Tier: "Gold", Updated: "2024-01-01 00:00:00"},
			{ID: "z", Joined: "2024-01-01 00:00:00", Tier: "vip", Updated: "2024-01-01 00:00:00"},
		},
		Orders: []modeltest.Order{
			{Member: "x", At: "2024-04-10 10:00:00", Amount: 50}, {Member: "y", At: "2024-04-11 10:00:00", Amount: 60}, {Member: "z", At: "2024-04-12 10:00:00", Amount: 70},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := churnFixtureModel(t)
		set := sampleAt(t, m, models.Env{Conn: conn, Location: time.UTC, RunID: "t"}, modeltest.AsOf(t, "2024-05-31"))
		tier, spend := slices.Index(churnFeatures, "tier"), slices.Index(churnFeatures, "monetary")
		got := map[float64]float64{}
		for _, r := range set.rows {
			got[r.x[spend]] = r.x[tier]
		}
		if want := map[float64]float64{50: 2, 60: 3, 70: 0}; !maps.Equal(got, want) {
			t.Errorf("tier feature by spend %v, want %v", got, want)
		}
	})
}

func TestNewChurnNeedsCLV(t *testing.T) {
	if _, err := New(DefaultParams(), nil, nil); err == nil || err.Error() != "churn model: no clv model for the p_alive feature" {
		t.Errorf("New without clv: err = %v", err)
	}
}

// TestChurnTierGatedOnLedgerIntegration: a member version of a file the
// ledger has not recorded loaded does not set the tier feature. x is
// Silver (2) from 2024-01-01 and again from 2024-07-15; the version of
// 2024-03-01 naming gold comes from a file still loading, so at the cut-off
// 2024-05-31 x is Silver; once the file is loaded, gold (3).
func TestChurnTierGatedOnLedgerIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		MemberVersions: []modeltest.MemberVersion{
			{ID: "x", Joined: "2024-01-01 00:00:00", Tier: "Silver", Updated: "2024-01-01 00:00:00"},
			{ID: "x", Joined: "2024-01-01 00:00:00", Tier: "Silver", Updated: "2024-07-15 00:00:00"},
		},
		Orders: []modeltest.Order{{Member: "x", At: "2024-04-10 10:00:00", Amount: 50}},
	}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.LoadUnpublished(t, conn, "unpublished",
			modeltest.MemberVersion{ID: "x", Joined: "2024-01-01 00:00:00", Tier: "gold", Updated: "2024-03-01 00:00:00"})
		tierOf := func() []float64 {
			m := churnFixtureModel(t)
			set := sampleAt(t, m, models.Env{Conn: conn, Location: time.UTC, RunID: "t"}, modeltest.AsOf(t, "2024-05-31"))
			var out []float64
			for _, r := range set.rows {
				out = append(out, r.x[slices.Index(churnFeatures, "tier")])
			}
			return out
		}
		if got := tierOf(); !slices.Equal(got, []float64{2}) {
			t.Errorf("tier feature with the file loading: %v, want [2] (Silver)", got)
		}
		modeltest.Publish(t, conn, "unpublished")
		if got := tierOf(); !slices.Equal(got, []float64{3}) {
			t.Errorf("tier feature with the file loaded: %v, want [3] (gold)", got)
		}
	})
}
