package churn

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

// TestChurnIgnoresLaterDataIntegration: orders and events loaded after
// an as_of change neither churn's fitted coefficients nor its scores for
// that as_of (features, labels and the validation window all end by then).
func TestChurnIgnoresLaterDataIntegration(t *testing.T) {
	t.Parallel()
	cut := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	conn, dir := modeltest.LoadedDB(t, genload.Before(cut))
	asOf := modeltest.AsOf(t, "2025-06-30")
	m := newTestChurn(t)
	ctx := context.Background()
	scores := `SELECT concat(toString(count()), '/', toString(sum(cityHash64(member_id, toString(churn_probability), risk_band, driver_1))))
		FROM churn WHERE as_of = '2025-06-30'`
	if _, err := runWithCLV(t, conn, m, "before", asOf); err != nil {
		t.Fatal(err)
	}
	before, beforeScores := modeltest.Params(t, conn, "churn", asOf), chtest.QueryString(t, conn, scores)
	if len(before) < 5 {
		t.Fatalf("churn recorded %d parameters", len(before))
	}
	if err := genload.Orders(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if err := genload.Events(ctx, conn, dir, genload.NotBefore(cut)); err != nil {
		t.Fatal(err)
	}
	if _, err := runWithCLV(t, conn, m, "after", asOf); err != nil {
		t.Fatal(err)
	}
	after, afterScores := modeltest.Params(t, conn, "churn", asOf), chtest.QueryString(t, conn, scores)
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

// TestChurnIntegration trains, validates out of time and scores on the
// generated data; the model must beat the days-since-last-order baseline
// on the validation window.
func TestChurnIntegration(t *testing.T) {
	t.Parallel()
	conn, _ := modeltest.LoadedDB(t, nil)
	ctx := context.Background()
	asOf := modeltest.AsOf(t, "2025-12-31")
	m := newTestChurn(t)
	m.bucketMembers = 6000 // 4 hash buckets of the 20,000 Members: every member is scored once
	res, err := runWithCLV(t, conn, m, "c1", asOf)
	if err != nil {
		t.Fatal(err)
	}
	got := modeltest.Metrics(t, conn, "churn", asOf)
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
	p := modeltest.Params(t, conn, "churn", asOf)
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
	shares := modeltest.KeyValues(t, conn, `SELECT risk_band, count() / (SELECT count() FROM churn WHERE as_of = '2025-12-31' AND risk_band != 'lapsed')
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
	if p["horizon_days"] != float64(m.cfg.HorizonDays) || got["horizon_days"] != p["horizon_days"] {
		t.Errorf("horizon_days: model_params %g, model_metrics %g, want %d", p["horizon_days"], got["horizon_days"], m.cfg.HorizonDays)
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
	conn, _ := modeltest.LoadedDB(t, genload.Before(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)))
	asOf := modeltest.AsOf(t, "2024-05-31") // fit cut-off 2023-12-03: no orders yet
	_, err := runWithCLV(t, conn, newTestChurn(t), "bad", asOf)
	if err == nil {
		t.Fatal("churn run without a validation window succeeded")
	}
	t.Logf("error: %v", err)
	if got := modeltest.Metrics(t, conn, "churn", asOf); got["failed"] != 1 {
		t.Errorf("model_metrics failed = %g, want 1 (%v)", got["failed"], got)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM churn"); n != 0 {
		t.Errorf("failed run wrote %d churn rows", n)
	}
}
