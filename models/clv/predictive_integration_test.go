package clv

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
)

func newTestCLV(t *testing.T, edit func(*Params)) *CLV {
	t.Helper()
	c := DefaultParams()
	if edit != nil {
		edit(&c)
	}
	m, err := New(c)
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
	conn, _ := modeltest.LoadedDB(t, nil)
	_, truth := modeltest.Generated(t)
	asOf := modeltest.AsOf(t, "2025-12-31") // the generator's window ends 2026-01-01
	m := newTestCLV(t, nil)
	res, err := models.RunOne(context.Background(), m, modeltest.Env(conn, "r1"), asOf)
	if err != nil {
		t.Fatal(err)
	}
	got := modeltest.Params(t, conn, "clv", asOf)
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
	// The valuation used, for the report's definitions.
	if got["horizon_days"] != m.spec.HorizonDays || !(got["horizon_days"] > 0) || got["annual_discount_rate"] != m.spec.AnnualDiscountRate {
		t.Errorf("horizon_days %g, annual_discount_rate %g: want the spec's %g and %g", got["horizon_days"], got["annual_discount_rate"], m.spec.HorizonDays, m.spec.AnnualDiscountRate)
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
	conn, dir := modeltest.LoadedDB(t, genload.Before(cut))
	asOf := modeltest.AsOf(t, "2025-06-30")
	m := newTestCLV(t, nil)
	ctx := context.Background()
	if _, err := models.RunOne(ctx, m, modeltest.Env(conn, "before"), asOf); err != nil {
		t.Fatal(err)
	}
	before := modeltest.Params(t, conn, "clv", asOf)
	if err := genload.Orders(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if _, err := models.RunOne(ctx, m, modeltest.Env(conn, "after"), asOf); err != nil {
		t.Fatal(err)
	}
	after := modeltest.Params(t, conn, "clv", asOf)
	for _, k := range []string{"r", "alpha", "a", "b", "p", "q", "v", "log_likelihood", "members"} {
		if before[k] != after[k] || before[k] == 0 {
			t.Errorf("%s for %s: %g before loading later orders, %g after", k, asOf.Format(asof.Layout), before[k], after[k])
		}
	}
	// The later data is there: a later as_of sees more members.
	later := modeltest.AsOf(t, "2025-12-31")
	if _, err := models.RunOne(ctx, m, modeltest.Env(conn, "later"), later); err != nil {
		t.Fatal(err)
	}
	if l := modeltest.Params(t, conn, "clv", later); !(l["members"] > after["members"]) {
		t.Errorf("as_of %s has %g members, not more than %g at %s: later orders not loaded?", later.Format(asof.Layout), l["members"], after["members"], asOf.Format(asof.Layout))
	}
}

// TestCLVFailuresIntegration: each failure is an error wrapping its
// sentinel, a failed = 1 record in model_metrics, and an untouched clv
// partition.
func TestCLVFailuresIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := modeltest.LoadedDB(t, genload.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	asOf := modeltest.AsOf(t, "2024-12-31")
	if _, err := models.RunOne(ctx, newTestCLV(t, nil), modeltest.Env(conn, "good"), asOf); err != nil {
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
		run    string
		fit    bool // the BG/NBD fit converged and is recorded in model_params
	}{
		{"too few repeat buyers", newTestCLV(t, func(c *Params) { c.MinRepeatBuyers = 1 << 30 }), ErrTooFewCustomers, "repeat_buyers", "bad1", false},
		{"spend correlation", newTestCLV(t, func(c *Params) { c.MaxSpendCorrelation = 1e-9 }), models.ErrPrecondition, "spend_frequency_correlation", "bad2", true},
		{"not converged", notConverged, ErrNotConverged, "bgnbd_grad_norm", "bad3", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := models.RunOne(ctx, c.model, modeltest.Env(conn, c.run), asOf)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			t.Logf("error: %v", err)
			got := modeltest.Metrics(t, conn, "clv", asOf)
			if got["failed"] != 1 {
				t.Errorf("model_metrics failed = %g, want 1", got["failed"])
			}
			if _, ok := got[c.metric]; !ok {
				t.Errorf("model_metrics lacks %s: %v", c.metric, got)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2024-12-31' AND run_id = 'good'"); n != rowsGood {
				t.Errorf("clv partition has %d rows of the good run after a failed run, want %d", n, rowsGood)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE run_id = ?", c.run); n != 0 {
				t.Errorf("failed run wrote %d clv rows", n)
			}
			// A precondition (too few repeat buyers, the correlation) is a
			// skip with its reason; a fit that does not converge a failure.
			wantStatus := models.RunFailed
			if errors.Is(c.want, models.ErrPrecondition) || errors.Is(c.want, ErrTooFewCustomers) {
				wantStatus = models.RunSkipped
			}
			if (wantStatus == models.RunSkipped) != errors.Is(err, models.ErrSkipped) {
				t.Errorf("err = %v: ErrSkipped %v, want %v", err, errors.Is(err, models.ErrSkipped), wantStatus == models.RunSkipped)
			}
			runs, rerr := models.Runs(ctx, conn, asOf)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if r := runs["clv"]; r.Status != wantStatus || r.RunID != c.run || r.Reason == "" {
				t.Errorf("model_runs clv = %+v, want status %s with a reason", r, wantStatus)
			}
			// A converged BG/NBD fit is recorded whatever stopped the run
			// after it: churn's p_alive at this as_of reads it.
			params := modeltest.KeyValues(t, conn, "SELECT name, value FROM model_params WHERE model = 'clv' AND as_of = '2024-12-31' AND run_id = ?", c.run)
			for _, n := range PurchaseParamNames {
				if _, ok := params[n]; ok != c.fit {
					t.Errorf("model_params of run %s has %s: %v, want %v (%v)", c.run, n, ok, c.fit, params)
				}
			}
			if _, ok := params["p"]; ok {
				t.Errorf("model_params of failed run %s has the spend model's p", c.run)
			}
		})
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database IN (currentDatabase(), concat(currentDatabase(), '_work')) AND name LIKE 'clv_tmp_%'"); n != 0 {
		t.Errorf("%d scratch tables left behind", n)
	}
}

// TestCLVEvaluateIntegration: calibration to 2025-06-30, holdout to
// 2025-12-31. The generator's seasonality puts its yearly peak (and 11.11,
// 12.12) in the holdout, about +10% in calendar time over operational
// time, so the totals must agree within 20%; per bucket the predictions
// must rise with calibration frequency as the actuals do.
func TestCLVEvaluateIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := modeltest.LoadedDB(t, nil)
	m := newTestCLV(t, nil)
	ev, err := m.Evaluate(context.Background(), modeltest.Env(conn, "e1"), modeltest.AsOf(t, "2025-06-30"), modeltest.AsOf(t, "2025-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("holdout %d days, %d Members: predicted %.0f, actual %.0f purchase days; MAE %.3f per member, %.3f per bucket",
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
	got := modeltest.Metrics(t, conn, CLVEvaluationModel, modeltest.AsOf(t, "2025-06-30"))
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
