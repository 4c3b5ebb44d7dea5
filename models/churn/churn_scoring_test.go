package churn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
)

func TestChurnGroups(t *testing.T) {
	t.Parallel()
	gs := churnGroups()
	seen := map[int]int{}
	for _, g := range gs {
		seen[g.a]++
		if g.w != 0 {
			seen[g.b]++
		}
	}
	for j := range churnFeatures {
		if seen[j+1] != 1 {
			t.Errorf("feature %s is in %d driver groups, want 1", churnFeatures[j], seen[j+1])
		}
	}
	login := slices.IndexFunc(gs, func(g churnGroup) bool { return churnFeatures[g.a-1] == "login_30d" })
	if login < 0 || churnFeatures[gs[login].b-1] != "login_90d" || gs[login].w != 1 || gs[login].hi != "many logins in the last 30 and 90 days" {
		t.Errorf("login group: %+v", gs[login])
	}
}

// simChurnSet draws n rows whose only informative feature is
// recency_days: P(churn) = sigmoid(beta * (recency - 50) / 30); every
// other feature is noise.
func simChurnSet(rng *rand.Rand, n int, beta float64) churnSet {
	var s churnSet
	for range n {
		x := make([]float64, len(churnFeatures))
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		x[0] = 50 + 30*rng.NormFloat64()
		p := 1 / (1 + math.Exp(-beta*(x[0]-50)/30))
		s.rows = append(s.rows, churnRow{x: x, churned: rng.Float64() < p})
	}
	s.members = int64(n)
	return s
}

// TestChooseL2: the penalty is chosen out of time. With 60 training rows,
// 39 features and labels unrelated to them, the fit without penalty
// overfits and the largest penalty validates best; with a strong signal
// on 5,000 rows a small penalty wins. The choice is the candidate of the
// lowest validation log loss, recomputed here.
func TestChooseL2(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 18))
	cands := []float64{1e-4, 1e-2, 10}
	for _, c := range []struct {
		name        string
		train, test churnSet
		want        float64
	}{
		{"noise", simChurnSet(rng, 60, 0), simChurnSet(rng, 2000, 0), 10},
		{"signal", simChurnSet(rng, 5000, 3), simChurnSet(rng, 5000, 3), 1e-4},
	} {
		best, losses, err := chooseL2(mustDesign(t, c.train), c.test, cands)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if best.L2 != c.want {
			t.Errorf("%s: chose l2 %g (log losses %v), want %g", c.name, best.L2, losses, c.want)
		}
		if i := slices.Index(cands, best.L2); losses[i] != slices.Min(losses) || best.Validation.LogLoss != losses[i] {
			t.Errorf("%s: chosen log loss %g is not the least of %v", c.name, best.Validation.LogLoss, losses)
		}
	}
}

// TestChurnScoreIntegration scores hand-built members with a hand-set
// model (every coefficient 0 but recency_days 1 (mean 10, sd 10),
// frequency -0.5 (mean 1, sd 1), login_30d and login_90d 0.3 each (mean
// 0, sd 1)), cut points 0.3 / 0.5 / 0.8, max_inactive_days 365, as_of
// 2024-06-30:
//
//	a: last order 05-31 (recency 30, z 2: +2), 3 orders (z 2: -1), one
//	   login on 06-20 (30 and 90 days: +0.3 +0.3 = +0.6 as one driver).
//	   logit 1.6, p 0.832018: critical.
//	c: one order on 06-30 (recency 0, z -1: -1): logit -1, p 0.268941: low;
//	   one driver (the others contribute nothing).
//	b: last order 2023-01-01, 546 days: lapsed, not scored.
func TestChurnScoreIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "a", Joined: "2023-01-01 00:00:00"}, {ID: "b", Joined: "2022-01-01 00:00:00"}, {ID: "c", Joined: "2024-01-01 00:00:00"}},
		Orders: []modeltest.Order{
			{Member: "a", At: "2024-05-29 10:00:00", Amount: 20}, {Member: "a", At: "2024-05-31 10:00:00", Amount: 20}, {Member: "a", At: "2024-05-31 12:00:00", Amount: 20},
			{Member: "b", At: "2023-01-01 10:00:00", Amount: 20}, {Member: "c", At: "2024-06-30 10:00:00", Amount: 20},
		},
		Events: []modeltest.Event{{Member: "a", At: "2024-06-20 10:00:00", Typ: "login", Value: 0}},
	}, func(t *testing.T, conn warehouse.Conn) {
		m := churnFixtureModel(t)
		p := len(churnFeatures)
		model := &Model{Features: churnFeatures, Means: make([]float64, p), StdDevs: make([]float64, p), Coef: make([]float64, p)}
		for j := range model.StdDevs {
			model.StdDevs[j] = 1
		}
		set := func(f string, coef, mean, sd float64) {
			j := slices.Index(churnFeatures, f)
			model.Coef[j], model.Means[j], model.StdDevs[j] = coef, mean, sd
		}
		set("recency_days", 1, 10, 10)
		set("frequency", -0.5, 1, 1)
		set("login_30d", 0.3, 0, 1)
		set("login_90d", 0.3, 0, 1)
		env := models.Env{Conn: conn, Location: time.UTC, RunID: "s"}
		m.cfg.RiskBands = []float64{0.3, 0.5, 0.8}
		asOf := modeltest.AsOf(t, "2024-06-30")
		ft := featuresAt(t, m, env, asOf, asOf)
		sc, err := queries.On(conn).Scratch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Drop()
		n, cuts, err := m.score(context.Background(), env, sc, ft, model, purchaseFit{})
		if err != nil {
			t.Fatal(err)
		}
		if cuts != [3]float64{0.3, 0.5, 0.8} {
			t.Errorf("cut points %v, want the configured risk_bands", cuts)
		}
		if n != 3 {
			t.Errorf("scored %d rows, want 3", n)
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(round(churn_probability, 6)), risk_band, driver_1, driver_2, driver_3
			FROM churn WHERE as_of = '2024-06-30' ORDER BY member_id`)
		want := [][]string{
			{"a", "0.832018", "critical", "long time since last order (raises risk)", "many orders (lowers risk)", "many logins in the last 30 and 90 days (raises risk)"},
			{"b", "1", "lapsed", "no paid order for over 365 days", "", ""},
			{"c", "0.268941", "low", "ordered recently (lowers risk)", "", ""},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("churn rows:\n got %v\nwant %v", got, want)
		}
	})
}

// mustDesign is the training design of s.
func mustDesign(t *testing.T, s churnSet) *Design {
	t.Helper()
	x, y := s.xy()
	d, err := NewDesign(churnFeatures, x, y)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChooseL2Failures: when every candidate's fit fails the errors are
// returned, one NaN loss per candidate, and a validation failure stops
// the choice. Single-class training rows fail earlier, in NewDesign.
func TestChooseL2Failures(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 18))
	one := simChurnSet(rng, 50, 0)
	for i := range one.rows {
		one.rows[i].churned = true
	}
	x, y := one.xy()
	if _, err := NewDesign(churnFeatures, x, y); !errors.Is(err, ErrSingleClass) {
		t.Errorf("single-class training rows: err %v, want ErrSingleClass", err)
	}
	_, losses, err := chooseL2(mustDesign(t, simChurnSet(rng, 200, 1)), simChurnSet(rng, 50, 0), []float64{-1, math.NaN()})
	if !errors.Is(err, ErrInvalidOptions) || len(losses) != 2 || !math.IsNaN(losses[0]) || !math.IsNaN(losses[1]) {
		t.Errorf("every candidate invalid: err %v, losses %v", err, losses)
	}
	if _, _, err := chooseL2(mustDesign(t, simChurnSet(rng, 200, 1)), one, []float64{1e-4}); err == nil {
		t.Error("single-class validation rows: no error")
	}
}
