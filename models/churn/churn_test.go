package models

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// TestChurnSQLFeatureOrder keeps churnFeatures, the features query's
// columns and the fill query's array f in the same order.
func TestChurnSQLFeatureOrder(t *testing.T) {
	t.Parallel()
	qs, err := query.Sources("churn")
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

// churnFixtureModel is churn with a 30-day horizon and the default tiers
// Bronze, Silver, Gold, Diamond.
func churnFixtureModel(t *testing.T) *Churn {
	t.Helper()
	c := defaults()
	c.Churn.HorizonDays = 30
	m, err := NewChurn(c.Churn, mustCLV(t, c.CLV), c.Tiers)
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
	var members []fxMember
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		members = append(members, fxMember{id, "2024-01-01 00:00:00"})
	}
	forEachEngine(t, fixture{
		members: members,
		orders: []fxOrder{
			{"a", "2024-04-10 10:00:00", 50, ""}, {"a", "2024-06-10 10:00:00", 60, ""},
			{"b", "2024-04-15 10:00:00", 70, ""}, {"b", "2024-05-10 10:00:00", 30, ""},
			{"c", "2024-05-20 10:00:00", 40, ""},
			{"d", "2024-04-20 10:00:00", 80, ""}, {"d", "2024-06-20 10:00:00", 20, ""},
			{"e", "2024-05-25 10:00:00", 90, ""}, {"e", "2024-06-05 10:00:00", 10, ""},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := churnFixtureModel(t)
		res, err := RunOne(context.Background(), m, Env{Conn: conn, Location: time.UTC, RunID: "f"}, asOfDay(t, "2024-06-30"))
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
	forEachEngine(t, fixture{
		memberVersions: []fxMemberVersion{
			{"x", "2024-01-01 00:00:00", "Silver", "2024-01-01 00:00:00"},
			{"x", "2024-01-01 00:00:00", "gold", "2024-07-15 00:00:00"},
			{"y", "2024-01-01 00:00:00", "Gold", "2024-01-01 00:00:00"},
			{"z", "2024-01-01 00:00:00", "vip", "2024-01-01 00:00:00"},
		},
		orders: []fxOrder{
			{"x", "2024-04-10 10:00:00", 50, ""}, {"y", "2024-04-11 10:00:00", 60, ""}, {"z", "2024-04-12 10:00:00", 70, ""},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := churnFixtureModel(t)
		set, err := m.sample(context.Background(), Env{Conn: conn, Location: time.UTC, RunID: "t"}, asOfDay(t, "2024-05-31"), 1)
		if err != nil {
			t.Fatal(err)
		}
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

// mustCLV is the clv model of cfg, churn's p_alive fit.
func mustCLV(t *testing.T, cfg config.CLV) *CLV {
	t.Helper()
	m, err := NewCLV(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewChurnNeedsCLV(t *testing.T) {
	c := defaults()
	if _, err := NewChurn(c.Churn, nil, c.Tiers); err == nil || err.Error() != "churn model: no clv model for the p_alive feature" {
		t.Errorf("NewChurn without clv: err = %v", err)
	}
}
