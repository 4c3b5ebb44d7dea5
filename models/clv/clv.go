package clv

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/internal/figures"
)

// scoreBatchRows bounds the tuple scores held in one insert batch.
const scoreBatchRows = 50_000

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed clv.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("clv", sqlSrc)

// CLV is the customer lifetime value model (Name "clv"): BG/NBD
// (bgnbd.go) for purchase days and Gamma-Gamma for their value, fitted
// by maximum likelihood on the distinct (x, t_x, T) histories of all
// members with a paid order on or before as_of.
//
// Each run writes the clv table (one row per member), the fitted
// parameters to model_params (r, alpha, a, b, p, q, v, log_likelihood,
// time_unit_days, members, standard errors se_*, decile cut points) and
// the fit diagnostics to model_metrics. A fit that does not converge, too
// few repeat buyers, or a frequency-spend correlation above
// models.clv.max_spend_correlation fail the run: the failure and its
// figures are recorded in model_metrics (failed = 1), a converged BG/NBD
// fit in model_params (PurchaseParams, which churn depends on), and the
// clv table is left as it was. Too few repeat buyers and the correlation check are
// preconditions (models.ErrPrecondition): models.RunOne records such a run
// as skipped, and member_profile's clv column is NULL for the date. Go
// holds only distinct tuples, never one row per member.
type CLV struct {
	cfg  Params
	spec CLVSpec
	opts FitOptions
}

// New returns the clv model, or c's problems when it is invalid.
func New(c Params) (*CLV, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	unit, err := ParseTimeUnit(c.TimeUnit)
	if err != nil {
		return nil, fmt.Errorf("clv model: %w", err)
	}
	spec, err := CLVSpec{Unit: unit, HorizonDays: float64(c.HorizonDays), AnnualDiscountRate: c.AnnualDiscountRate}.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("clv model: %w", err)
	}
	return &CLV{cfg: c, spec: spec, opts: FitOptions{Penalty: c.L2Penalty, MinCustomers: int64(c.MinRepeatBuyers)}}, nil
}

// Unit returns the model time unit the fits' rates are per.
func (m *CLV) Unit() TimeUnit { return m.spec.Unit }

// Name returns "clv".
func (m *CLV) Name() string { return "clv" }

// Deps returns nil: clv reads only orders_current.
func (m *CLV) Deps() []string { return nil }

// CLVFit is what the clv model fitted for one as_of.
type CLVFit struct {
	BGNBD  BGNBDFit
	Spend  GammaGammaFit
	Unit   TimeUnit
	Tuples []Customer // in model time units
	// tupleDays are the same tuples in days, as keyed in ClickHouse.
	tupleDays [][3]uint32
	// Phase ends, for the run record.
	start, queryDone, bgnbdDone, spendDone time.Time
}

// Metrics returns the fit's diagnostics for model_metrics.
func (f *CLVFit) Metrics() map[string]float64 {
	b, s := f.BGNBD, f.Spend
	out := map[string]float64{
		"members":              float64(b.Customers),
		"repeat_buyers":        float64(b.RepeatCustomers),
		"distinct_tuples":      float64(b.Tuples),
		"bgnbd_converged":      figures.Bool01(b.Converged),
		"bgnbd_iterations":     float64(b.Iterations),
		"bgnbd_grad_norm":      b.GradNorm,
		"bgnbd_log_likelihood": b.LogLikelihood,
	}
	if f.spendDone.IsZero() { // the spend model did not run
		return out
	}
	for k, v := range map[string]float64{
		"spend_members":               float64(s.Customers),
		"spend_excluded_no_repeat":    float64(s.ExcludedNoRepeat),
		"spend_excluded_non_positive": float64(s.ExcludedNonPositive),
		"spend_frequency_correlation": s.FrequencyMonetaryCorrelation,
		"spend_converged":             figures.Bool01(s.Converged),
		"spend_iterations":            float64(s.Iterations),
		"spend_grad_norm":             s.GradNorm,
		"spend_log_likelihood":        s.LogLikelihood,
	} {
		out[k] = v
	}
	return out
}

// Params returns the fitted parameters for model_params: PurchaseParams
// and the Gamma-Gamma ones (p, q, v, se_p, se_q, se_v).
func (f *CLVFit) Params() map[string]float64 {
	out := f.PurchaseParams()
	s, sse := f.Spend.Params, f.Spend.StdErrLog
	for k, v := range map[string]float64{
		"p": s.P, "q": s.Q, "v": s.V,
		// Delta-method standard errors from the log-parameter ones.
		"se_p": s.P * sse[0], "se_q": (s.Q - 1) * sse[1], "se_v": s.V * sse[2],
	} {
		out[k] = v
	}
	return out
}

// PurchaseParams returns the BG/NBD part of Params: r, alpha, a, b (rates
// per time_unit_days days), log_likelihood, members and the standard
// errors se_r, se_alpha, se_a, se_b. The churn model reads r, alpha, a, b
// and time_unit_days of the clv run of its as_of (PurchaseParamNames).
func (f *CLVFit) PurchaseParams() map[string]float64 {
	b, se := f.BGNBD.Params, f.BGNBD.StdErrLog
	return map[string]float64{
		"r": b.R, "alpha": b.Alpha, "a": b.A, "b": b.B,
		"log_likelihood": f.BGNBD.LogLikelihood,
		"time_unit_days": f.Unit.Days(),
		"members":        float64(f.BGNBD.Customers),
		// Delta-method standard errors from the log-parameter ones.
		"se_r": b.R * se[0], "se_alpha": b.Alpha * se[1], "se_a": b.A * se[2], "se_b": b.B * se[3],
	}
}

// PurchaseParamNames are the model_params names of a clv run's BG/NBD fit
// that another model's P(alive) needs: r, alpha, a, b and time_unit_days.
var PurchaseParamNames = []string{"r", "alpha", "a", "b", "time_unit_days"}

// Run fits the models for asOf and writes its partition of clv.
func (m *CLV) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	log := env.Logger()
	sc, err := queries.On(env.Conn).Scratch(ctx)
	if err != nil {
		return models.Result{}, err
	}
	defer sc.Drop()
	work := sc.Table("work")
	start := time.Now()
	fit, err := m.fit(ctx, env, w, work)
	fitDone := time.Now()
	if err != nil {
		metrics := map[string]float64{"failed": 1}
		if fit != nil {
			for k, v := range fit.Metrics() {
				metrics[k] = v
			}
		}
		if rerr := models.RecordMetrics(ctx, env.Conn, m.Name(), w.AsOf, env.RunID, figures.Finite(metrics)); rerr != nil {
			err = errors.Join(err, rerr)
		}
		// A converged BG/NBD fit is recorded even when the spend model
		// stops the run: churn's p_alive at this as_of reads it.
		if fit != nil && fit.BGNBD.Converged {
			if rerr := models.RecordParams(ctx, env.Conn, m.Name(), w.AsOf, env.RunID, figures.Finite(fit.PurchaseParams())); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
		log.Error("clv fit failed; clv table left unchanged", "err", err)
		if errors.Is(err, ErrTooFewCustomers) {
			// Too few (repeat) buyers to fit: a precondition of the
			// data, not a fault; the run is recorded as skipped.
			err = fmt.Errorf("%w: %w", models.ErrPrecondition, err)
		}
		return models.Result{}, err
	}
	scores, scored := sc.Table("scores"), sc.Table("scored")
	sumP, sumE, err := m.score(ctx, env.Conn, fit, scores)
	if err != nil {
		return models.Result{}, err
	}
	gg := fit.Spend.Params
	args := w.Args(env.RunID, clickhouse.Named("p", gg.P), clickhouse.Named("q", gg.Q), clickhouse.Named("v", gg.V))
	tables := map[string]string{"work": work, "scores": scores, "scored": scored}
	if err := queries.On(env.Conn).Exec(ctx, "scored", tables, args...); err != nil {
		return models.Result{}, err
	}
	clvBounds, spendBounds, err := m.bounds(ctx, env.Conn, tables, args)
	if err != nil {
		return models.Result{}, err
	}
	n, err := query.ReplacePartition(ctx, env.Conn, "clv", w.AsOf, func(stage string) error {
		tables["stage"] = stage
		return queries.On(env.Conn).Exec(ctx, "fill", tables, append(args, clickhouse.Named("clv_bounds", clvBounds), clickhouse.Named("spend_bounds", spendBounds))...)
	})
	if err != nil {
		return models.Result{}, err
	}
	params := fit.Params()
	// The valuation the scores used, for the report's definitions.
	params["horizon_days"], params["annual_discount_rate"] = m.spec.HorizonDays, m.spec.AnnualDiscountRate
	for i, b := range clvBounds {
		params[fmt.Sprintf("clv_decile_bound_%d", i+1)] = b
	}
	metrics := fit.Metrics()
	metrics["failed"] = 0
	// Phases: member statistics and fits; tuple scoring, join and deciles.
	metrics["fit_seconds"] = fitDone.Sub(start).Seconds()
	metrics["tuple_query_seconds"] = fit.queryDone.Sub(fit.start).Seconds()
	metrics["bgnbd_fit_seconds"] = fit.bgnbdDone.Sub(fit.queryDone).Seconds()
	metrics["spend_query_and_fit_seconds"] = fit.spendDone.Sub(fit.bgnbdDone).Seconds()
	metrics["score_seconds"] = time.Since(fitDone).Seconds()
	metrics["mean_p_alive"] = sumP / float64(fit.BGNBD.Customers)
	metrics["expected_purchases_total"] = sumE
	return models.Result{Rows: map[string]uint64{"clv": n}, Metrics: figures.Finite(metrics), Params: figures.Finite(params)}, nil
}

// PurchaseHistory is one distinct BG/NBD purchase history in days, as
// the tuples query of clv.sql gives it: X repeat purchase days, TX days
// from the first to the last purchase day, T days from the first purchase
// day to the end of observation, and the number of members with it.
type PurchaseHistory struct {
	X, TX, T uint32
	Members  uint64
}

// FitPurchases fits BG/NBD alone to the distinct purchase histories hs at
// the end of w, in the order of the tuples query (x, t_x, T ascending: the
// fit sums its terms in that order): the purchase model the clv run fits
// with Gamma-Gamma, for a caller that computes the member statistics
// itself (churn's p_alive at its training cut-offs, from its feature
// table; at as_of churn reads the fit this model's run recorded). On a fit
// failure it returns the partial fit with the error.
func (m *CLV) FitPurchases(w models.Window, hs []PurchaseHistory) (*CLVFit, error) {
	fit := &CLVFit{Unit: m.spec.Unit, start: time.Now()}
	for _, h := range hs {
		fit.add(h, m.spec.Unit.Days())
	}
	return m.fitBGNBD(w, fit)
}

// add appends the history h to the fit's tuples (unit: days per model
// time unit).
func (f *CLVFit) add(h PurchaseHistory, unit float64) {
	f.tupleDays = append(f.tupleDays, [3]uint32{h.X, h.TX, h.T})
	f.Tuples = append(f.Tuples, Customer{X: int(h.X), TX: float64(h.TX) / unit, T: float64(h.T) / unit, Count: int64(h.Members)})
}

// fitBGNBD fits BG/NBD to fit.Tuples.
func (m *CLV) fitBGNBD(w models.Window, fit *CLVFit) (*CLVFit, error) {
	if len(fit.Tuples) == 0 {
		return fit, fmt.Errorf("clv for %s: no member has a paid order: %w", w.Date(), ErrTooFewCustomers)
	}
	fit.queryDone = time.Now()
	var err error
	fit.BGNBD, err = FitBGNBD(fit.Tuples, m.opts)
	fit.bgnbdDone = time.Now()
	if err != nil {
		return fit, fmt.Errorf("clv for %s: %w", w.Date(), err)
	}
	return fit, nil
}

// fit computes the member statistics into the scratch table work and fits
// both models. On a fit failure it returns the partial fit (nil before
// any fit ran) with the error.
func (m *CLV) fit(ctx context.Context, env models.Env, w models.Window, work string) (*CLVFit, error) {
	if err := queries.On(env.Conn).Exec(ctx, "stats", map[string]string{"work": work}, w.Args(env.RunID)...); err != nil {
		return nil, err
	}
	return m.fitWork(ctx, env.Conn, w, work)
}

// fitWork fits BG/NBD and Gamma-Gamma to the statistics in work.
func (m *CLV) fitWork(ctx context.Context, conn warehouse.Conn, w models.Window, work string) (*CLVFit, error) {
	fit := &CLVFit{Unit: m.spec.Unit, start: time.Now()}
	unit := m.spec.Unit.Days()
	tables := map[string]string{"work": work}
	err := queries.On(conn).Each(ctx, "tuples", tables, nil, func(r warehouse.Rows) error {
		var h PurchaseHistory
		if err := r.Scan(&h.X, &h.TX, &h.T, &h.Members); err != nil {
			return err
		}
		fit.add(h, unit)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if fit, err := m.fitBGNBD(w, fit); err != nil {
		return fit, err
	}
	var spend []SpendCustomer
	err = queries.On(conn).Each(ctx, "spend", tables, nil, func(r warehouse.Rows) error {
		var x uint32
		var mean float64
		var n uint64
		if err := r.Scan(&x, &mean, &n); err != nil {
			return err
		}
		spend = append(spend, SpendCustomer{X: int(x), MeanValue: mean, Count: int64(n)})
		return nil
	})
	if err != nil {
		return fit, err
	}
	fit.Spend, err = FitGammaGamma(spend, m.opts)
	fit.spendDone = time.Now()
	if err != nil {
		return fit, fmt.Errorf("clv for %s: %w", w.Date(), err)
	}
	if r := fit.Spend.FrequencyMonetaryCorrelation; math.Abs(r) > m.cfg.MaxSpendCorrelation {
		return fit, fmt.Errorf("clv for %s: correlation of repeat frequency and mean spend is %.3g, beyond models.clv.max_spend_correlation = %.3g: the Gamma-Gamma independence assumption does not hold: %w",
			w.Date(), r, m.cfg.MaxSpendCorrelation, models.ErrPrecondition)
	}
	return fit, nil
}

// score writes P(alive), expected purchases over the horizon and the
// discounted expected purchases (CLV per unit of order value) of every
// distinct tuple to the scratch table scores, in bounded batches, scoring
// in parallel. It returns the member-weighted sums of P(alive) and of
// the expected purchases.
func (m *CLV) score(ctx context.Context, conn warehouse.Conn, fit *CLVFit, scores string) (sumP, sumE float64, err error) {
	if err := queries.On(conn).Exec(ctx, "tuple_table", map[string]string{"scores": scores}); err != nil {
		return 0, 0, err
	}
	vals := make([]CustomerValue, len(fit.Tuples))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for i := k; i < len(fit.Tuples); i += workers {
				c := fit.Tuples[i]
				vals[i] = m.spec.Value(fit.BGNBD.Params, c.X, c.TX, c.T, 1)
			}
		}(k)
	}
	wg.Wait()
	for i, v := range vals {
		w := float64(fit.Tuples[i].Count)
		sumP += w * v.ProbAlive
		sumE += w * v.ExpectedPurchases
	}
	insert := "INSERT INTO " + scores + " (x, t_x, T, p_alive, expected_purchases, discounted_purchases)"
	for start := 0; start < len(vals); start += scoreBatchRows {
		b, err := conn.PrepareBatch(ctx, insert)
		if err != nil {
			return 0, 0, fmt.Errorf("clv scores: %w", err)
		}
		for i := start; i < min(start+scoreBatchRows, len(vals)); i++ {
			d, v := fit.tupleDays[i], vals[i]
			if math.IsNaN(v.ProbAlive) || math.IsNaN(v.CLV) || math.IsInf(v.CLV, 0) {
				_ = b.Abort()
				bp := fit.BGNBD.Params
				return 0, 0, fmt.Errorf("clv scores: tuple x=%d t_x=%d T=%d days gives a non-finite value with r=%g alpha=%g a=%g b=%g: %w",
					d[0], d[1], d[2], bp.R, bp.Alpha, bp.A, bp.B, models.ErrPrecondition)
			}
			if err := b.Append(d[0], d[1], d[2], v.ProbAlive, v.ExpectedPurchases, v.CLV); err != nil {
				_ = b.Abort()
				return 0, 0, fmt.Errorf("clv scores: %w", err)
			}
		}
		if err := b.Send(); err != nil {
			return 0, 0, fmt.Errorf("clv scores: %w", err)
		}
	}
	return sumP, sumE, nil
}

// bounds returns the decile cut points of clv and past spend.
func (m *CLV) bounds(ctx context.Context, conn warehouse.Conn, tables map[string]string, args []any) (clvB, spendB []float64, err error) {
	err = queries.On(conn).Each(ctx, "bounds", tables, args, func(r warehouse.Rows) error {
		return r.Scan(&clvB, &spendB)
	})
	if err == nil && (len(clvB) != 9 || len(spendB) != 9) {
		err = fmt.Errorf("clv decile bounds: got %d and %d cut points, want 9", len(clvB), len(spendB))
	}
	return clvB, spendB, err
}

// Tables implements models.Declarer.
func (*CLV) Tables() []models.Table {
	return []models.Table{
		{Name: "clv", Sharded: true, Migration: "040_clv.sql",
			Comment: "Customer lifetime value per buyer and as_of (BG/NBD + Gamma-Gamma): P(alive), expected purchases and order value over the horizon, discounted CLV, decile."},
	}
}
