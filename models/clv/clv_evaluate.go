package clv

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/internal/figures"
)

// CLVEvaluationModel is the model name under which Evaluate records its
// figures in model_metrics and model_params (as_of = calibration end).
const CLVEvaluationModel = "clv_evaluation"

// evalBuckets is the number of calibration frequency buckets: x = 0..6
// and 7+.
const evalBuckets = 8

// CLVBucket compares predicted and actual holdout purchases of the members
// with one calibration frequency.
type CLVBucket struct {
	// Label is "0".."6" or "7+", the calibration repeat purchases.
	Label     string
	Members   int64
	Predicted float64 // mean predicted purchase days in the holdout
	Actual    float64 // mean actual purchase days in the holdout
}

// CLVEvaluation is the result of CLV.Evaluate.
type CLVEvaluation struct {
	CalibrationEnd, HoldoutEnd time.Time
	HoldoutDays                int
	Fit                        *CLVFit
	Members                    int64
	PredictedTotal             float64
	ActualTotal                float64
	// MAE is the mean absolute error per member of predicted against
	// actual holdout purchase days; BucketMAE the mean over buckets of
	// |mean predicted - mean actual|.
	MAE, BucketMAE float64
	Buckets        []CLVBucket
	// PredictedRevenue and ActualRevenue are the holdout revenue totals
	// (expected purchase days x expected value per purchase day, against
	// paid revenue); Deciles compares them per tenth of members ranked by
	// predicted revenue.
	PredictedRevenue, ActualRevenue float64
	Deciles                         []CLVDecile
	// SpendPredicted and SpendActual are the mean expected and actual
	// value per holdout purchase day over the SpendMembers members with
	// holdout purchases; SpendMAE the mean absolute difference.
	SpendPredicted, SpendActual, SpendMAE float64
	SpendMembers                          int64
}

// Evaluate fits the clv model on data up to calEnd (inclusive), predicts
// every member's purchase days in (calEnd, holdEnd] with the BG/NBD
// conditional expectation, compares them with the actual purchase days,
// and records the figures in model_metrics and the fit in model_params
// under model clv_evaluation for as_of calEnd. It writes no clv rows.
func (m *CLV) Evaluate(ctx context.Context, env models.Env, calEnd, holdEnd time.Time) (CLVEvaluation, error) {
	w := models.NewWindow(calEnd, env.Location)
	hw := models.NewWindow(holdEnd, env.Location)
	ev := CLVEvaluation{CalibrationEnd: w.AsOf, HoldoutEnd: hw.AsOf, HoldoutDays: int(hw.AsOf.Sub(w.AsOf).Hours() / 24)}
	if ev.HoldoutDays < 1 {
		return ev, fmt.Errorf("evaluate clv: holdout end %s must be after calibration end %s", hw.Date(), w.Date())
	}
	sc, err := queries.On(env.Conn).Scratch(ctx)
	if err != nil {
		return CLVEvaluation{}, err
	}
	defer sc.Drop()
	work := sc.Table("work")
	fit, err := m.fit(ctx, env, w, work)
	if err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	ev.Fit = fit
	unit := m.spec.Unit.Days()
	t := float64(ev.HoldoutDays) / unit
	var n, pred, act [evalBuckets]float64
	var absErr float64
	args := w.Args(env.RunID, clickhouse.Named("holdout_end", models.FormatUTC(hw.End)))
	cache := map[[3]uint32]float64{}
	err = queries.On(env.Conn).Each(ctx, "holdout", map[string]string{"work": work}, args, func(r warehouse.Rows) error {
		var x, tx, T, actual uint32
		var c uint64
		if err := r.Scan(&x, &tx, &T, &actual, &c); err != nil {
			return err
		}
		key := [3]uint32{x, tx, T}
		p, ok := cache[key]
		if !ok {
			p = fit.BGNBD.Params.ConditionalExpectedPurchases(t, int(x), float64(tx)/unit, float64(T)/unit)
			cache[key] = p
		}
		b := min(int(x), evalBuckets-1)
		w := float64(c)
		n[b] += w
		pred[b] += w * p
		act[b] += w * float64(actual)
		absErr += w * math.Abs(p-float64(actual))
		return nil
	})
	if err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	var total, buckets float64
	for b := 0; b < evalBuckets; b++ {
		label := strconv.Itoa(b)
		if b == evalBuckets-1 {
			label += "+"
		}
		bk := CLVBucket{Label: label, Members: int64(n[b])}
		if n[b] > 0 {
			bk.Predicted, bk.Actual = pred[b]/n[b], act[b]/n[b]
			ev.BucketMAE += math.Abs(bk.Predicted - bk.Actual)
			buckets++
		}
		ev.Buckets = append(ev.Buckets, bk)
		total += n[b]
		ev.PredictedTotal += pred[b]
		ev.ActualTotal += act[b]
	}
	ev.Members = int64(total)
	ev.MAE = absErr / total
	ev.BucketMAE /= buckets
	if err := m.evaluateRevenue(ctx, env, w, work, args, t, &ev); err != nil {
		return ev, fmt.Errorf("evaluate clv: revenue: %w", err)
	}
	metrics := map[string]float64{
		"holdout_days": float64(ev.HoldoutDays), "members": total,
		"predicted_total": ev.PredictedTotal, "actual_total": ev.ActualTotal,
		"mae": ev.MAE, "bucket_mae": ev.BucketMAE,
		"predicted_revenue_total": ev.PredictedRevenue, "actual_revenue_total": ev.ActualRevenue,
		"spend_members": float64(ev.SpendMembers), "spend_predicted_mean": ev.SpendPredicted,
		"spend_actual_mean": ev.SpendActual, "spend_mae": ev.SpendMAE,
	}
	for _, d := range ev.Deciles {
		k := fmt.Sprintf("revenue_decile_%02d_", d.Decile)
		metrics[k+"members"], metrics[k+"predicted"], metrics[k+"actual"] = float64(d.Members), d.Predicted, d.Actual
	}
	for _, bk := range ev.Buckets {
		k := "bucket_" + bk.Label
		if bk.Label == strconv.Itoa(evalBuckets-1)+"+" {
			k = "bucket_" + strconv.Itoa(evalBuckets-1) + "_plus"
		}
		metrics[k+"_members"], metrics[k+"_predicted"], metrics[k+"_actual"] = float64(bk.Members), bk.Predicted, bk.Actual
	}
	for k, v := range fit.Metrics() {
		metrics[k] = v
	}
	if err := models.RecordMetrics(ctx, env.Conn, CLVEvaluationModel, w.AsOf, env.RunID, figures.Finite(metrics)); err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	if err := models.RecordParams(ctx, env.Conn, CLVEvaluationModel, w.AsOf, env.RunID, figures.Finite(fit.Params())); err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	return ev, nil
}

// CLVDecile compares predicted and actual holdout revenue of one tenth of
// the members, ranked by predicted holdout revenue (1 = lowest).
type CLVDecile struct {
	Decile    int
	Members   int64
	Predicted float64 // mean predicted holdout revenue
	Actual    float64 // mean actual holdout revenue
}

// revenuePair is one member's predicted and actual holdout revenue.
type revenuePair struct{ predicted, actual float64 }

// revenueDeciles ranks pairs by predicted revenue (stably, so ties keep
// their input order) and splits them into ten groups of equal size
// (member i of n, 0-based, goes to decile 1 + floor(10 i / n)); deciles
// without members are left out.
func revenueDeciles(pairs []revenuePair) []CLVDecile {
	sorted := slices.Clone(pairs)
	slices.SortStableFunc(sorted, func(a, b revenuePair) int { return cmp.Compare(a.predicted, b.predicted) })
	var out [10]CLVDecile
	for i, p := range sorted {
		d := 10 * i / len(sorted)
		out[d].Members++
		out[d].Predicted += p.predicted
		out[d].Actual += p.actual
	}
	var res []CLVDecile
	for d := range out {
		if out[d].Members == 0 {
			continue
		}
		n := float64(out[d].Members)
		res = append(res, CLVDecile{Decile: d + 1, Members: out[d].Members, Predicted: out[d].Predicted / n, Actual: out[d].Actual / n})
	}
	return res
}

// evaluateRevenue back-tests spend and CLV: per member the predicted
// holdout revenue is the BG/NBD expected purchase days in the holdout
// times the Gamma-Gamma expected value per purchase day (E[M | x, mean],
// the population mean without repeat purchases), against the actual paid
// revenue in the holdout. It fills the revenue fields of ev. The spend
// back-test compares, over members with holdout purchases, the expected
// value per purchase day with the actual one. It holds two numbers per
// member (a back-test, run by hand).
func (m *CLV) evaluateRevenue(ctx context.Context, env models.Env, w models.Window, work string, args []any, t float64, ev *CLVEvaluation) error {
	unit := m.spec.Unit.Days()
	bg, gg := ev.Fit.BGNBD.Params, ev.Fit.Spend.Params
	var pairs []revenuePair
	var spendAbs, spendPred, spendAct, spendN float64
	err := queries.On(env.Conn).Each(ctx, "holdout_members", map[string]string{"work": work}, args, func(r warehouse.Rows) error {
		var x, tx, T, actual uint32
		var mean, revenue float64
		if err := r.Scan(&x, &tx, &T, &mean, &actual, &revenue); err != nil {
			return err
		}
		value := gg.ConditionalExpectedValue(int(x), mean)
		p := bg.ConditionalExpectedPurchases(t, int(x), float64(tx)/unit, float64(T)/unit) * value
		pairs = append(pairs, revenuePair{predicted: p, actual: revenue})
		if actual > 0 {
			a := revenue / float64(actual)
			spendN++
			spendPred += value
			spendAct += a
			spendAbs += math.Abs(value - a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range pairs {
		ev.PredictedRevenue += p.predicted
		ev.ActualRevenue += p.actual
	}
	if spendN > 0 {
		ev.SpendPredicted, ev.SpendActual, ev.SpendMAE = spendPred/spendN, spendAct/spendN, spendAbs/spendN
	}
	ev.SpendMembers = int64(spendN)
	ev.Deciles = revenueDeciles(pairs)
	return nil
}
