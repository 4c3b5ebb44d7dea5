package models

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models/clv"
)

// genMembers is the size of the generated population the predictive
// integration tests share: large enough for the recovery tolerances
// below, small enough for two shared cores.
const genMembers = 20_000

var (
	genOnce  sync.Once
	genDir   string
	genTruth datagen.Truth
	genErr   error
)

// generated writes one generator dataset per test binary (default
// options: two years to 2026-01-01, default seasonality) and returns its
// directory and truth.
func generated(t *testing.T) (string, datagen.Truth) {
	t.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "memberlytics-predictive-")
		if genErr != nil {
			return
		}
		o := datagen.DefaultOptions()
		o.Members = genMembers
		o.OutDir = genDir
		if _, genErr = datagen.Generate(context.Background(), o); genErr != nil {
			return
		}
		b, err := os.ReadFile(filepath.Join(genDir, datagen.TruthFile))
		if err != nil {
			genErr = err
			return
		}
		genErr = json.Unmarshal(b, &genTruth)
	})
	if genErr != nil {
		t.Fatalf("generate test data: %v", genErr)
	}
	return genDir, genTruth
}

// loadedDB is a migrated database holding the generated data whose rows
// pass keep.
func loadedDB(t *testing.T, keep genload.Filter) (*warehouse.CH, string) {
	t.Helper()
	dir, _ := generated(t)
	conn := chtest.Migrated(t)
	if err := genload.All(context.Background(), conn, dir, keep); err != nil {
		t.Fatal(err)
	}
	return conn, dir
}

func testEnv(conn warehouse.Conn, run string) Env {
	return Env{Conn: conn, Location: time.UTC, RunID: run}
}

func day(s string) time.Time {
	d, err := asof.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// params reads model_params of model for asOf.
func params(t *testing.T, conn warehouse.Conn, model string, asOf time.Time) map[string]float64 {
	return keyValues(t, conn, "SELECT name, value FROM model_params WHERE model = ? AND as_of = ?", model, asOf.Format(asof.Layout))
}

// metrics reads model_metrics of model for asOf.
func metrics(t *testing.T, conn warehouse.Conn, model string, asOf time.Time) map[string]float64 {
	return keyValues(t, conn, "SELECT metric, value FROM model_metrics WHERE model = ? AND as_of = ?", model, asOf.Format(asof.Layout))
}

func keyValues(t *testing.T, conn warehouse.Conn, q string, args ...any) map[string]float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

func newTestCLV(t *testing.T, edit func(*config.CLV)) *CLV {
	t.Helper()
	c := config.Default().Models.CLV
	if edit != nil {
		edit(&c)
	}
	m, err := NewCLV(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newTestChurn(t *testing.T) *Churn {
	t.Helper()
	c := config.Default().Models
	m, err := NewChurn(c.Churn, mustCLV(t, c.CLV), c.Tiers)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCLVParameterRecoveryIntegration fits the clv model to generated data
// and checks the seven parameters against the generator's truth.
//
// Tolerances: the fit's own standard error (inverse observed information,
// recorded as se_*) times 4, plus a relative allowance for what separates
// the data from the textbook model:
//   - BG/NBD: the generator is BG/NBD exactly in operational time, but the
//     model sees calendar days. The seasonal warp has long-run mean 1, yet
//     members observed over part of a year see up to +-15% (yearly
//     amplitude) plus holiday spikes; and T, t_x are whole days counted
//     from the first purchase day, so T is on average half a day short.
//     Allowance 5% for r and alpha, 15% for a and b (the dropout
//     parameters are identified only through the few long histories; on
//     20,000 members a and b come out 2-2.5 se low, a bias of this kind).
//   - Gamma-Gamma: amounts are exact Gamma draws rounded to the cent, one
//     paid order per UTC day (same-day repeats are moved to the next day by
//     the generator, so days equal orders here with the UTC business zone).
//     Allowance 3%.
func TestCLVParameterRecoveryIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, nil)
	_, truth := generated(t)
	asOf := day("2025-12-31") // the generator's window ends 2026-01-01
	m := newTestCLV(t, nil)
	res, err := RunOne(context.Background(), m, testEnv(conn, "r1"), asOf)
	if err != nil {
		t.Fatal(err)
	}
	got := params(t, conn, "clv", asOf)
	tb, tg := truth.Parameters.Purchase, truth.Parameters.Spend
	for _, c := range []struct {
		name      string
		want      float64
		allowance float64
	}{
		{"r", tb.R, 0.05}, {"alpha", tb.Alpha, 0.05}, {"a", tb.A, 0.15}, {"b", tb.B, 0.15},
		{"p", tg.P, 0.03}, {"q", tg.Q, 0.03}, {"v", tg.V, 0.03},
	} {
		v, se := got[c.name], got["se_"+c.name]
		if !(se > 0) {
			t.Errorf("%s: standard error %g not recorded", c.name, se)
			continue
		}
		tol := 4*se + c.allowance*c.want
		t.Logf("%-5s truth %8.4f fitted %8.4f  |diff| %.4f  se %.4f  tolerance %.4f", c.name, c.want, v, math.Abs(v-c.want), se, tol)
		if math.Abs(v-c.want) > tol {
			t.Errorf("%s = %.4f, truth %.4f: off by %.4f > tolerance %.4f (4 se + %.0f%%)", c.name, v, c.want, math.Abs(v-c.want), tol, 100*c.allowance)
		}
	}
	if got["time_unit_days"] != 7 {
		t.Errorf("time_unit_days = %g, want 7", got["time_unit_days"])
	}
	buyers := float64(truth.Counts.BuyersWithOrders)
	if got["members"] != buyers {
		t.Errorf("members = %g, want the generator's buyers with orders %g", got["members"], buyers)
	}
	if res.Result.Rows["clv"] != uint64(buyers) {
		t.Errorf("clv rows = %d, want %g", res.Result.Rows["clv"], buyers)
	}
	// Output sanity: every value finite and in range, deciles 1..10 of
	// about a tenth each, and P(alive) < 1 only for members with a repeat.
	q := `SELECT count(), countIf(p_alive > 0 AND p_alive <= 1), countIf(isFinite(clv) AND clv > 0),
		min(clv_decile), max(clv_decile), countIf(clv_decile = 10), countIf(x0 AND p_alive != 1)
		FROM (SELECT *, frequency = 0 AS x0 FROM clv WHERE as_of = '2025-12-31')`
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	var n, okP, okCLV, top, x0NotAlive uint64
	var dmin, dmax uint8
	if err := rows.Scan(&n, &okP, &okCLV, &dmin, &dmax, &top, &x0NotAlive); err != nil {
		t.Fatal(err)
	}
	if okP != n || okCLV != n || dmin != 1 || dmax != 10 || x0NotAlive != 0 {
		t.Errorf("clv table: %d rows, %d valid p_alive, %d valid clv, deciles %d..%d, %d one-time buyers not alive", n, okP, okCLV, dmin, dmax, x0NotAlive)
	}
	if math.Abs(float64(top)-float64(n)/10) > float64(n)/100 {
		t.Errorf("top decile has %d of %d members, want about a tenth", top, n)
	}
}

// TestCLVIgnoresLaterOrdersIntegration: a run for an earlier as_of fits
// the same parameters before and after later orders are loaded.
func TestCLVIgnoresLaterOrdersIntegration(t *testing.T) {
	t.Parallel()
	cut := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	conn, dir := loadedDB(t, genload.Before(cut))
	asOf := day("2025-06-30")
	m := newTestCLV(t, nil)
	ctx := context.Background()
	if _, err := RunOne(ctx, m, testEnv(conn, "before"), asOf); err != nil {
		t.Fatal(err)
	}
	before := params(t, conn, "clv", asOf)
	if err := genload.Orders(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if _, err := RunOne(ctx, m, testEnv(conn, "after"), asOf); err != nil {
		t.Fatal(err)
	}
	after := params(t, conn, "clv", asOf)
	for _, k := range []string{"r", "alpha", "a", "b", "p", "q", "v", "log_likelihood", "members"} {
		if before[k] != after[k] || before[k] == 0 {
			t.Errorf("%s for %s: %g before loading later orders, %g after", k, asOf.Format(asof.Layout), before[k], after[k])
		}
	}
	// The later data is there: a later as_of sees more members.
	later := day("2025-12-31")
	if _, err := RunOne(ctx, m, testEnv(conn, "later"), later); err != nil {
		t.Fatal(err)
	}
	if l := params(t, conn, "clv", later); !(l["members"] > after["members"]) {
		t.Errorf("as_of %s has %g members, not more than %g at %s: later orders not loaded?", later.Format(asof.Layout), l["members"], after["members"], asOf.Format(asof.Layout))
	}
}

// TestChurnIgnoresLaterDataIntegration: orders and events loaded after
// an as_of change neither churn's fitted coefficients nor its scores for
// that as_of (features, labels and the validation window all end by then).
func TestChurnIgnoresLaterDataIntegration(t *testing.T) {
	t.Parallel()
	cut := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	conn, dir := loadedDB(t, genload.Before(cut))
	asOf := day("2025-06-30")
	m := newTestChurn(t)
	ctx := context.Background()
	scores := `SELECT concat(toString(count()), '/', toString(sum(cityHash64(member_id, toString(churn_probability), risk_band, driver_1))))
		FROM churn WHERE as_of = '2025-06-30'`
	if _, err := RunOne(ctx, m, testEnv(conn, "before"), asOf); err != nil {
		t.Fatal(err)
	}
	before, beforeScores := params(t, conn, "churn", asOf), chtest.QueryString(t, conn, scores)
	if len(before) < 5 {
		t.Fatalf("churn recorded %d parameters", len(before))
	}
	if err := genload.Orders(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if err := genload.Events(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if _, err := RunOne(ctx, m, testEnv(conn, "after"), asOf); err != nil {
		t.Fatal(err)
	}
	after, afterScores := params(t, conn, "churn", asOf), chtest.QueryString(t, conn, scores)
	if len(after) != len(before) {
		t.Errorf("%d parameters before loading later data, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s for %s: %g before loading later data, %g after", k, asOf.Format(asof.Layout), v, after[k])
		}
	}
	if beforeScores != afterScores {
		t.Errorf("scores for %s changed after loading later data: %s, then %s", asOf.Format(asof.Layout), beforeScores, afterScores)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders_current WHERE ordered_at >= toDateTime('2025-07-01 00:00:00', 'UTC')"); n == 0 {
		t.Fatal("no later orders were loaded")
	}
}

// TestCLVFailuresIntegration: each failure is an error wrapping its
// sentinel, a failed = 1 record in model_metrics, and an untouched clv
// partition.
func TestCLVFailuresIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, genload.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	asOf := day("2024-12-31")
	if _, err := RunOne(ctx, newTestCLV(t, nil), testEnv(conn, "good"), asOf); err != nil {
		t.Fatal(err)
	}
	rowsGood := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2024-12-31' AND run_id = 'good'")
	if rowsGood == 0 {
		t.Fatal("good run wrote no rows")
	}
	notConverged := newTestCLV(t, nil)
	notConverged.opts.MaxIterations = 1
	notConverged.opts.GradientTolerance = 1e-12
	for _, c := range []struct {
		name   string
		model  *CLV
		want   error
		metric string // recorded with the failure
	}{
		{"too few repeat buyers", newTestCLV(t, func(c *config.CLV) { c.MinRepeatBuyers = 1 << 30 }), clv.ErrTooFewCustomers, "repeat_buyers"},
		{"spend correlation", newTestCLV(t, func(c *config.CLV) { c.MaxSpendCorrelation = 1e-9 }), ErrPrecondition, "spend_frequency_correlation"},
		{"not converged", notConverged, clv.ErrNotConverged, "bgnbd_grad_norm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := RunOne(ctx, c.model, testEnv(conn, "bad"), asOf)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			t.Logf("error: %v", err)
			got := metrics(t, conn, "clv", asOf)
			if got["failed"] != 1 {
				t.Errorf("model_metrics failed = %g, want 1", got["failed"])
			}
			if _, ok := got[c.metric]; !ok {
				t.Errorf("model_metrics lacks %s: %v", c.metric, got)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2024-12-31' AND run_id = 'good'"); n != rowsGood {
				t.Errorf("clv partition has %d rows of the good run after a failed run, want %d", n, rowsGood)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE run_id = 'bad'"); n != 0 {
				t.Errorf("failed run wrote %d clv rows", n)
			}
			// A precondition (too few repeat buyers, the correlation) is a
			// skip with its reason; a fit that does not converge a failure.
			wantStatus := RunFailed
			if errors.Is(c.want, ErrPrecondition) || errors.Is(c.want, clv.ErrTooFewCustomers) {
				wantStatus = RunSkipped
			}
			if (wantStatus == RunSkipped) != errors.Is(err, ErrSkipped) {
				t.Errorf("err = %v: ErrSkipped %v, want %v", err, errors.Is(err, ErrSkipped), wantStatus == RunSkipped)
			}
			runs, rerr := Runs(ctx, conn, asOf)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if r := runs["clv"]; r.Status != wantStatus || r.RunID != "bad" || r.Reason == "" {
				t.Errorf("model_runs clv = %+v, want status %s with a reason", r, wantStatus)
			}
		})
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database IN (currentDatabase(), concat(currentDatabase(), '_work')) AND name LIKE 'clv_tmp_%'"); n != 0 {
		t.Errorf("%d scratch tables left behind", n)
	}
}

// TestChurnIntegration trains, validates out of time and scores on the
// generated data; the model must beat the days-since-last-order baseline
// on the validation window.
func TestChurnIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, nil)
	ctx := context.Background()
	asOf := day("2025-12-31")
	m := newTestChurn(t)
	m.bucketMembers = 6000 // 4 hash buckets of the 20,000 members: every member is scored once
	res, err := RunOne(ctx, m, testEnv(conn, "c1"), asOf)
	if err != nil {
		t.Fatal(err)
	}
	got := metrics(t, conn, "churn", asOf)
	t.Logf("churn out-of-time validation (cut-off 2025-10-02, labels to 2025-12-31): AUC %.4f, baseline (days since last order) AUC %.4f, log loss %.4f, Brier %.4f, top-decile lift %.2f, %g validation rows, churn rate %.3f",
		got["auc"], got["baseline_auc"], got["log_loss"], got["brier"], got["lift_top_decile"], got["validation_rows"], got["validation_churn_rate"])
	if !(got["auc"] > got["baseline_auc"]) {
		t.Errorf("model AUC %.4f does not beat the baseline AUC %.4f", got["auc"], got["baseline_auc"])
	}
	if !(got["baseline_auc"] > 0.5) {
		t.Errorf("baseline AUC %.4f: recency should rank churners above chance", got["baseline_auc"])
	}
	if got["train_p_alive_fitted"] != 1 || got["validation_p_alive_fitted"] != 1 {
		t.Errorf("p_alive feature without a BG/NBD fit: train %g, validation %g", got["train_p_alive_fitted"], got["validation_p_alive_fitted"])
	}
	if got["failed"] != 0 || got["converged"] != 1 {
		t.Errorf("failed = %g, converged = %g", got["failed"], got["converged"])
	}
	// Calibration: the predicted and observed rates of the top decile agree
	// within 0.1 on thousands of rows.
	if d := math.Abs(got["calibration_10_predicted"] - got["calibration_10_observed"]); !(d < 0.1) {
		t.Errorf("top calibration decile: predicted %.3f, observed %.3f", got["calibration_10_predicted"], got["calibration_10_observed"])
	}
	members := chtest.QueryUint(t, conn, "SELECT uniqExact(member_id) FROM orders_current WHERE (status = 'paid' OR updated_at >= toDateTime('2026-01-01 00:00:00', 'UTC')) AND ordered_at < toDateTime('2026-01-01 00:00:00', 'UTC')")
	if res.Result.Rows["churn"] != members {
		t.Errorf("churn rows = %d, want every member with a paid order, %d", res.Result.Rows["churn"], members)
	}
	p := params(t, conn, "churn", asOf)
	bad := chtest.QueryUint(t, conn, `SELECT count() FROM churn WHERE as_of = '2025-12-31' AND NOT if(recency_days > 365,
		churn_probability = 1 AND risk_band = 'lapsed' AND driver_1 = 'no paid order for over 365 days',
		churn_probability > 0 AND churn_probability < 1 AND driver_1 != '' AND driver_1 != driver_2
		AND match(driver_1, ' \\((raises|lowers) risk\\)$')
		AND risk_band = multiIf(churn_probability >= ?, 'critical', churn_probability >= ?, 'high', churn_probability >= ?, 'medium', 'low'))`,
		p["band_cut_critical"], p["band_cut_high"], p["band_cut_medium"])
	if bad != 0 {
		t.Errorf("%d churn rows with an invalid probability, band or drivers", bad)
	}
	// The default band quantiles put 40/30/20/10% of the scored (recent)
	// buyers in low/medium/high/critical: the cut points are quantiles of
	// the scored probabilities (ties aside, exact).
	shares := keyValues(t, conn, `SELECT risk_band, count() / (SELECT count() FROM churn WHERE as_of = '2025-12-31' AND risk_band != 'lapsed')
		FROM churn WHERE as_of = '2025-12-31' AND risk_band != 'lapsed' GROUP BY risk_band`)
	t.Logf("risk band shares of scored buyers: %v; l2 %g", shares, got["l2"])
	for band, want := range map[string]float64{"low": 0.4, "medium": 0.3, "high": 0.2, "critical": 0.1} {
		if math.Abs(shares[band]-want) > 0.01 {
			t.Errorf("%s holds %.3f of scored buyers, want about %.1f", band, shares[band], want)
		}
	}
	if _, ok := got["l2_candidate_5_log_loss"]; !ok || p["l2"] == 0 {
		t.Errorf("l2 not chosen out of time: metrics %v", got)
	}
	if _, ok := p["coef_recency_days"]; !ok {
		t.Fatalf("model_params lacks coef_recency_days: %v", p)
	}
	// Long-inactive (but not lapsed) members are scored riskier than recent buyers.
	var recent, old float64
	rows, err := conn.Query(ctx, `SELECT avgIf(churn_probability, recency_days <= 30), avgIf(churn_probability, recency_days > 180 AND recency_days <= 365) FROM churn WHERE as_of = '2025-12-31'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	if err := rows.Scan(&recent, &old); err != nil {
		t.Fatal(err)
	}
	if !(old > recent) {
		t.Errorf("mean churn probability: %.3f for buyers of the last 30 days, %.3f for members inactive 180-365 days", recent, old)
	}
}

// TestChurnFailureIntegration: with no validation window in the data the
// run fails, records it, and leaves the churn partition alone.
func TestChurnFailureIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, genload.Before(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	asOf := day("2024-05-31") // fit cut-off 2023-12-03: no orders yet
	_, err := RunOne(ctx, newTestChurn(t), testEnv(conn, "bad"), asOf)
	if err == nil {
		t.Fatal("churn run without a validation window succeeded")
	}
	t.Logf("error: %v", err)
	if got := metrics(t, conn, "churn", asOf); got["failed"] != 1 {
		t.Errorf("model_metrics failed = %g, want 1 (%v)", got["failed"], got)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM churn"); n != 0 {
		t.Errorf("failed run wrote %d churn rows", n)
	}
}

// TestPotentialIntegration runs clv, engagement and potential through
// RunAll (potential after its dependencies) and checks each reason against
// its definition, recomputed independently from the tables.
func TestPotentialIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, genload.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	asOf := day("2025-06-30")
	cfg := config.Default().Models
	if _, err := RunOne(ctx, NewPotential(cfg.Potential), testEnv(conn, "p0"), asOf); !errors.Is(err, ErrMissingDependency) ||
		!strings.Contains(err.Error(), "clv has not run for 2025-06-30") {
		t.Fatalf("potential without clv: err = %v, want ErrMissingDependency naming clv and the date", err)
	}
	reg := NewRegistry()
	clvModel := newTestCLV(t, nil)
	engagement := NewEngagement(cfg.Engagement)
	for _, m := range []Model{NewPotential(cfg.Potential), clvModel, engagement} {
		if err := reg.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	res, err := RunAll(ctx, reg, testEnv(conn, "p1"), nil, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[2].Model != "potential" {
		t.Fatalf("RunAll ran %v, want clv and engagement, then potential", res)
	}
	got := metrics(t, conn, "potential", asOf)
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
	if p := params(t, conn, "potential", asOf); p["decile_gap"] != 3 {
		t.Errorf("model_params of potential: %v", p)
	}
	// member_profile publishes every reason to segment_members, family potential.
	reg2 := NewRegistry()
	for _, m := range []Model{clvModel, NewPotential(cfg.Potential), NewRFM(cfg.RFM), engagement, NewLifecycle(cfg.Lifecycle),
		NewTiers(cfg.Tiers), NewMemberProfile("clv", "potential")} {
		if err := reg2.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := RunAll(ctx, reg2, testEnv(conn, "mp"), []string{"rfm", "lifecycle", "tiers", "member_profile"}, asOf); err != nil {
		t.Fatal(err)
	}
	if seg, pot := chtest.QueryUint(t, conn, "SELECT count() FROM segment_members WHERE as_of = '2025-06-30' AND family = 'potential'"),
		chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'"); seg != pot || seg == 0 {
		t.Errorf("segment_members has %d potential rows, the potential table %d", seg, pot)
	}
	// A re-run replaces the partition.
	before := chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'")
	if _, err := RunOne(ctx, NewPotential(cfg.Potential), testEnv(conn, "p2"), asOf); err != nil {
		t.Fatal(err)
	}
	if after := chtest.QueryUint(t, conn, "SELECT count() FROM potential WHERE as_of = '2025-06-30'"); after != before {
		t.Errorf("re-run: %d rows, before %d", after, before)
	}
}

// TestCLVEvaluateIntegration: calibration to 2025-06-30, holdout to
// 2025-12-31. The generator's seasonality puts its yearly peak (and 11.11,
// 12.12) in the holdout, about +10% in calendar time over operational
// time, so the totals must agree within 20%; per bucket the predictions
// must rise with calibration frequency as the actuals do.
func TestCLVEvaluateIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := loadedDB(t, nil)
	m := newTestCLV(t, nil)
	ev, err := m.Evaluate(context.Background(), testEnv(conn, "e1"), day("2025-06-30"), day("2025-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("holdout %d days, %d members: predicted %.0f, actual %.0f purchase days; MAE %.3f per member, %.3f per bucket",
		ev.HoldoutDays, ev.Members, ev.PredictedTotal, ev.ActualTotal, ev.MAE, ev.BucketMAE)
	for _, b := range ev.Buckets {
		t.Logf("  x=%-3s %6d members  predicted %.3f  actual %.3f", b.Label, b.Members, b.Predicted, b.Actual)
	}
	if ev.HoldoutDays != 184 {
		t.Errorf("holdout days = %d, want 184", ev.HoldoutDays)
	}
	if r := ev.PredictedTotal / ev.ActualTotal; !(r > 0.8 && r < 1.2) {
		t.Errorf("predicted/actual holdout purchases = %.3f, want within 20%%", r)
	}
	if !(ev.Buckets[0].Predicted < ev.Buckets[3].Predicted && ev.Buckets[3].Predicted < ev.Buckets[7].Predicted) {
		t.Errorf("predictions do not rise with calibration frequency: %+v", ev.Buckets)
	}
	// Revenue (spend x purchases): the totals agree as the purchase counts
	// do (within 20%, the holdout holds the seasonal peak), the expected
	// value per purchase day is within 10% of the actual one, and the
	// actual revenue rises from the bottom to the top predicted decile.
	t.Logf("holdout revenue: predicted %.0f, actual %.0f; value per purchase day: predicted %.2f, actual %.2f over %d members (MAE %.2f)",
		ev.PredictedRevenue, ev.ActualRevenue, ev.SpendPredicted, ev.SpendActual, ev.SpendMembers, ev.SpendMAE)
	for _, d := range ev.Deciles {
		t.Logf("  decile %2d %6d members  predicted %8.2f  actual %8.2f", d.Decile, d.Members, d.Predicted, d.Actual)
	}
	if r := ev.PredictedRevenue / ev.ActualRevenue; !(r > 0.8 && r < 1.2) {
		t.Errorf("predicted/actual holdout revenue = %.3f, want within 20%%", r)
	}
	if r := ev.SpendPredicted / ev.SpendActual; !(r > 0.9 && r < 1.1) {
		t.Errorf("predicted/actual value per purchase day = %.3f, want within 10%%", r)
	}
	var inDeciles int64
	for _, d := range ev.Deciles {
		inDeciles += d.Members
	}
	if len(ev.Deciles) != 10 || inDeciles != ev.Members || !(ev.Deciles[0].Actual < ev.Deciles[4].Actual && ev.Deciles[4].Actual < ev.Deciles[9].Actual) {
		t.Errorf("revenue deciles (%d members of %d): %+v", inDeciles, ev.Members, ev.Deciles)
	}
	got := metrics(t, conn, CLVEvaluationModel, day("2025-06-30"))
	if got["revenue_decile_10_actual"] != ev.Deciles[9].Actual || got["actual_revenue_total"] != ev.ActualRevenue {
		t.Errorf("model_metrics of clv_evaluation lack the revenue back-test: %v", got)
	}
	if got["mae"] != ev.MAE || got["bucket_7_plus_members"] != float64(ev.Buckets[7].Members) {
		t.Errorf("model_metrics of clv_evaluation: %v", got)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv"); n != 0 {
		t.Errorf("evaluate wrote %d clv rows", n)
	}
}

// TestPredictiveEnginesIntegration runs clv, churn and potential (after
// engagement) on ClickHouse 18.16 and on chDB 26.7 over the same data: the
// SQL must run on both, and since the fits see the same tuples, the fitted
// parameters and the row counts must agree.
func TestPredictiveEnginesIntegration(t *testing.T) {
	t.Parallel()
	dir, _ := generated(t)
	ctx := context.Background()
	asOf := day("2024-09-30")
	keep := genload.Before(time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC))
	cfg := config.Default().Models
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
		reg := NewRegistry()
		for _, m := range []Model{newTestCLV(t, nil), newTestChurn(t), NewEngagement(cfg.Engagement), NewPotential(cfg.Potential)} {
			if err := reg.Add(m); err != nil {
				t.Fatal(err)
			}
		}
		res, err := RunAll(ctx, reg, testEnv(e.Conn, "e"), nil, asOf)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		o := outcome{params: params(t, e.Conn, "clv", asOf), rows: map[string]uint64{}}
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
