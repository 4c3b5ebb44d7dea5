package potential

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	"github.com/memberlytics/memberlytics/models/profile"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
)

// TestPotentialIntegration runs clv, engagement and potential through
// RunAll (potential after its dependencies) and checks each reason against
// its definition, recomputed independently from the tables.
func TestPotentialIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := modeltest.LoadedDB(t, genload.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	asOf := modeltest.AsOf(t, "2025-06-30")
	if _, err := models.RunOne(ctx, modeltest.Must(New(DefaultParams())), modeltest.Env(conn, "p0"), asOf); !errors.Is(err, models.ErrMissingDependency) ||
		!strings.Contains(err.Error(), "clv has not run for 2025-06-30") {
		t.Fatalf("potential without clv: err = %v, want ErrMissingDependency naming clv and the date", err)
	}
	reg := models.NewRegistry()
	clvModel := newCLV()
	engagement := modeltest.Must(engagement.New(engagement.DefaultParams()))
	for _, m := range []models.Model{modeltest.Must(New(DefaultParams())), clvModel, engagement} {
		if err := reg.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	res, err := models.RunAll(ctx, reg, modeltest.Env(conn, "p1"), nil, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[2].Model != "potential" {
		t.Fatalf("RunAll ran %v, want clv and engagement, then potential", res)
	}
	got := modeltest.Metrics(t, conn, "potential", asOf)
	t.Logf("potential: %v", got)
	// clv_above_spend: exactly the clv rows with a decile gap >= 3.
	want := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2025-06-30' AND toInt16(clv_decile) >= toInt16(spend_decile) + 3")
	if want == 0 || got["members_clv_above_spend"] != float64(want) {
		t.Errorf("clv_above_spend: %g members, want %d (and some)", got["members_clv_above_spend"], want)
	}
	// rising_value: recomputed from orders with the 90-day windows.
	want = chtest.QueryUint(t, conn, `SELECT count() FROM (
		SELECT member_id,
			countIf(ordered_at >= toDateTime('2025-04-02 00:00:00', 'UTC')) AS nr,
			sumIf(toFloat64(amount), ordered_at >= toDateTime('2025-04-02 00:00:00', 'UTC')) AS vr,
			countIf(ordered_at >= toDateTime('2025-01-02 00:00:00', 'UTC') AND ordered_at < toDateTime('2025-04-02 00:00:00', 'UTC')) AS np,
			sumIf(toFloat64(amount), ordered_at >= toDateTime('2025-01-02 00:00:00', 'UTC') AND ordered_at < toDateTime('2025-04-02 00:00:00', 'UTC')) AS vp
		FROM orders_current WHERE (status = 'paid' OR updated_at >= toDateTime('2025-07-01 00:00:00', 'UTC')) AND ordered_at < toDateTime('2025-07-01 00:00:00', 'UTC')
		GROUP BY member_id) WHERE np > 0 AND nr > np AND vr / nr > vp / np`)
	if want == 0 || got["members_rising_value"] != float64(want) {
		t.Errorf("rising_value: %g members, want %d (and some)", got["members_rising_value"], want)
	}
	// engaged_low_spend: exactly engagement's flagged members, with
	// engagement's score.
	want = chtest.QueryUint(t, conn, "SELECT count() FROM engagement WHERE as_of = '2025-06-30' AND engaged_low_spend = 1")
	same := chtest.QueryUint(t, conn, `SELECT count() FROM potential p ANY INNER JOIN (
			SELECT member_id, score AS e_score FROM engagement WHERE as_of = '2025-06-30' AND engaged_low_spend = 1) e USING member_id
		WHERE p.as_of = '2025-06-30' AND p.reason = 'engaged_low_spend' AND p.score = e.e_score`)
	if want == 0 || got["members_engaged_low_spend"] != float64(want) || same != want {
		t.Errorf("engaged_low_spend: %g members, %d with engagement's flag and score, want %d (and some)", got["members_engaged_low_spend"], same, want)
	}
	if p := modeltest.Params(t, conn, "potential", asOf); p["decile_gap"] != 3 {
		t.Errorf("model_params of potential: %v", p)
	}
	// member_profile publishes every reason to segment_members, family potential.
	reg2 := models.NewRegistry()
	for _, m := range []models.Model{clvModel, modeltest.Must(New(DefaultParams())), modeltest.Must(rfm.New(rfm.DefaultParams())), engagement, modeltest.Must(lifecycle.New(lifecycle.DefaultParams())),
		modeltest.Must(tiers.New(tiers.DefaultParams())), profile.New("clv", "potential")} {
		if err := reg2.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.RunAll(ctx, reg2, modeltest.Env(conn, "mp"), []string{"rfm", "lifecycle", "tiers", "member_profile"}, asOf); err != nil {
		t.Fatal(err)
	}
	if seg, pot := chtest.QueryUint(t, conn, "SELECT count() FROM segment_members WHERE as_of = '2025-06-30' AND family = 'potential'"),
		chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'"); seg != pot || seg == 0 {
		t.Errorf("segment_members has %d potential rows, the potential table %d", seg, pot)
	}
	// A re-run replaces the partition.
	before := chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'")
	if _, err := models.RunOne(ctx, modeltest.Must(New(DefaultParams())), modeltest.Env(conn, "p2"), asOf); err != nil {
		t.Fatal(err)
	}
	if after := chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'"); after != before {
		t.Errorf("re-run: %d rows, before %d", after, before)
	}
}

// TestPredictiveEnginesIntegration runs clv, churn and potential (after
// engagement) on ClickHouse 18.16 and on chDB 26.7 over the same data: the
// SQL must run on both, and since the fits see the same tuples, the fitted
// parameters and the row counts must agree.
func TestPredictiveEnginesIntegration(t *testing.T) {
	t.Parallel()
	dir, _ := modeltest.Generated(t)
	ctx := context.Background()
	asOf := modeltest.AsOf(t, "2024-09-30")
	keep := genload.Before(time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC))
	type outcome struct {
		params map[string]float64
		rows   map[string]uint64
	}
	var got []outcome
	var names []string
	for _, e := range chtest.Engines(t) {
		if err := genload.All(ctx, e.Conn, dir, keep); err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		reg := models.NewRegistry()
		for _, m := range []models.Model{newCLV(), newChurn(), modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(New(DefaultParams()))} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		res, err := models.RunAll(ctx, reg, modeltest.Env(e.Conn, "e"), nil, asOf)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		o := outcome{params: modeltest.Params(t, e.Conn, "clv", asOf), rows: map[string]uint64{}}
		for _, r := range res {
			for k, v := range r.Result.Rows {
				o.rows[k] = v
			}
		}
		t.Logf("%s: rows %v, r=%.6f alpha=%.6f p=%.6f", e.Name, o.rows, o.params["r"], o.params["alpha"], o.params["p"])
		got = append(got, o)
		names = append(names, e.Name)
	}
	a, b := got[0], got[1]
	// BG/NBD sees identical integer tuples: equal to rounding. The spend
	// means are float sums whose order differs between engines, then
	// rounded to the cent, so a few may move by a cent: 1e-4 relative.
	for _, k := range []string{"r", "alpha", "a", "b", "members", "p", "q", "v"} {
		tol := 1e-9
		if k == "p" || k == "q" || k == "v" {
			tol = 1e-4
		}
		if math.Abs(a.params[k]-b.params[k]) > tol*math.Abs(a.params[k]) {
			t.Errorf("%s: %s %g, %s %g", k, names[0], a.params[k], names[1], b.params[k])
		}
	}
	for _, k := range []string{"clv", "churn", "potential"} {
		if a.rows[k] != b.rows[k] || a.rows[k] == 0 {
			t.Errorf("rows of %s: %s %d, %s %d", k, names[0], a.rows[k], names[1], b.rows[k])
		}
	}
}
