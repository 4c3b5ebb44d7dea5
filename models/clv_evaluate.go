package models

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/warehouse"
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
}

// Evaluate fits the clv model on data up to calEnd (inclusive), predicts
// every member's purchase days in (calEnd, holdEnd] with the BG/NBD
// conditional expectation, compares them with the actual purchase days,
// and records the figures in model_metrics and the fit in model_params
// under model clv_evaluation for as_of calEnd. It writes no clv rows.
func (m *CLV) Evaluate(ctx context.Context, env Env, calEnd, holdEnd time.Time) (CLVEvaluation, error) {
	w := NewWindow(calEnd, env.Location)
	hw := NewWindow(holdEnd, env.Location)
	ev := CLVEvaluation{CalibrationEnd: w.AsOf, HoldoutEnd: hw.AsOf, HoldoutDays: int(hw.AsOf.Sub(w.AsOf).Hours() / 24)}
	if ev.HoldoutDays < 1 {
		return ev, fmt.Errorf("evaluate clv: holdout end %s must be after calibration end %s", hw.Date(), w.Date())
	}
	sc, err := newScratch(ctx, env.Conn, "clv")
	if err != nil {
		return CLVEvaluation{}, err
	}
	defer sc.drop()
	work := sc.name("work")
	fit, err := m.fit(ctx, env, w, work)
	if err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	ev.Fit = fit
	unit := m.spec.Unit.Days()
	t := float64(ev.HoldoutDays) / unit
	var n, pred, act [evalBuckets]float64
	var absErr float64
	args := w.Args(env.RunID, clickhouse.Named("holdout_end", FormatUTC(hw.End)))
	cache := map[[3]uint32]float64{}
	err = scanQuery(ctx, env.Conn, m.Name(), "holdout", map[string]string{"work": work}, args, func(r warehouse.Rows) error {
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
	metrics := map[string]float64{
		"holdout_days": float64(ev.HoldoutDays), "members": total,
		"predicted_total": ev.PredictedTotal, "actual_total": ev.ActualTotal,
		"mae": ev.MAE, "bucket_mae": ev.BucketMAE,
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
	if err := RecordMetrics(ctx, env.Conn, CLVEvaluationModel, w.AsOf, env.RunID, finite(metrics)); err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	if err := RecordParams(ctx, env.Conn, CLVEvaluationModel, w.AsOf, env.RunID, finite(fit.Params())); err != nil {
		return ev, fmt.Errorf("evaluate clv: %w", err)
	}
	return ev, nil
}
