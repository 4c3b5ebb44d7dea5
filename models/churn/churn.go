package churn

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/internal/figures"
)

// churnFeatures are the churn model's features, in the order of the
// features query and of the array f in the fill query of
// churn.sql (a test keeps them in step).
var churnFeatures = []string{
	"recency_days", "frequency", "monetary", "tenure_days",
	"aov", "aov_trend", "mean_gap_days", "last_gap_days",
	"refund_share", "login_30d", "login_90d", "page_view_30d",
	"page_view_90d", "product_view_30d", "product_view_90d", "add_to_cart_30d",
	"add_to_cart_90d", "campaign_open_30d", "campaign_open_90d", "campaign_click_30d",
	"campaign_click_90d", "review_30d", "review_90d", "share_30d",
	"share_90d", "referral_30d", "referral_90d", "checkin_30d",
	"checkin_90d", "points_earned_30d", "points_earned_90d", "points_redeemed_30d",
	"points_redeemed_90d", "nps_survey_30d", "nps_survey_90d", "days_since_login",
	"campaign_clicks", "tier", "p_alive",
}

// churnWords says each feature in words for a CRM user: [0] when the
// member is above the training mean, [1] when at or below it.
var churnWords = map[string][2]string{
	"recency_days":     {"long time since last order", "ordered recently"},
	"frequency":        {"many orders", "few orders"},
	"monetary":         {"high total spend", "low total spend"},
	"tenure_days":      {"long-standing member", "recent member"},
	"aov":              {"high order value", "low order value"},
	"aov_trend":        {"order value rising", "order value falling"},
	"mean_gap_days":    {"long gaps between orders", "short gaps between orders"},
	"last_gap_days":    {"long gap before the last order", "short gap before the last order"},
	"refund_share":     {"many refunds", "few refunds"},
	"days_since_login": {"long time since last login", "logged in recently"},
	"campaign_clicks":  {"clicks on campaigns", "rarely clicks on campaigns"},
	"tier":             {"high membership tier", "low membership tier"},
	"p_alive":          {"buying pattern says still active", "buying pattern says probably lapsed"},
}

// churnEventWords names the event types of the <type>_30d/_90d features.
var churnEventWords = map[string]string{
	"login": "logins", "page_view": "page views", "product_view": "product views",
	"add_to_cart": "add-to-carts", "campaign_open": "campaign opens", "campaign_click": "campaign clicks",
	"review": "reviews", "share": "shares", "referral": "referrals", "checkin": "check-ins",
	"points_earned": "points earned", "points_redeemed": "points redemptions", "nps_survey": "survey answers",
}

// churnWordsFor returns the high and low phrases of feature f.
func churnWordsFor(f string) (hi, lo string) {
	if w, ok := churnWords[f]; ok {
		return w[0], w[1]
	}
	for _, days := range []string{"30", "90"} {
		if t, ok := cutSuffix(f, "_"+days+"d"); ok {
			if name, ok := churnEventWords[t]; ok {
				return "many " + name + " in the last " + days + " days", "few " + name + " in the last " + days + " days"
			}
		}
	}
	return "high " + f, "low " + f
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed churn.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("churn", sqlSrc)

// Churn is the churn prediction model (Name "churn"). A member with a paid
// order on or before a cut-off C has churned when no paid order follows
// within H = models.churn.horizon_days days. Forward in time, it fits an
// L2 logistic regression (models/churn) on features at C = as_of - 2H
// with labels from the next H days, validates it out of time on C =
// as_of - H (labels to as_of), refits on those later rows, and scores
// every member at as_of in ClickHouse. Features are as of each cut-off
// (the tier is the member version valid then), computed for the three
// cut-offs at once into a scratch table (one pass over orders and one over
// events) that the samples, the BG/NBD fits and the scoring read. Training and validation
// rows are reservoir samples of at most models.churn.training_cap rows,
// so memory is bounded. The p_alive feature at as_of uses the BG/NBD fit
// the clv run of the same as_of recorded (Deps: clv); BG/NBD is fitted
// here only at the two earlier cut-offs, once each.
//
// model_metrics gets bgnbd_fits (2) and bgnbd_fits_reused (1, clv's, the
// run named in model_runs.dep_run_ids), auc, baseline_auc (days since last order on the same
// validation rows), log_loss, brier, lift_top_decile, the calibration
// table (calibration_<decile>_predicted / _observed / _count), base rates
// and row counts; model_params the intercept and coefficients on the
// standardised (std_coef_<feature>) and raw (coef_<feature>) scales, and
// the reused fit's score_bgnbd_r, _alpha, _a and _b.
type Churn struct {
	cfg Params
	clv *clv.CLV
	// tierNames are models.tiers.levels' names in lower case: the tier
	// feature is a member's source_tier's position among them.
	tierNames []string
	// bucketMembers bounds the members one features_fill query
	// aggregates: the population is cut into ceil(members /
	// bucketMembers) hash buckets, each filled and sampled by its own
	// queries, so ClickHouse's memory per query stays bounded.
	bucketMembers uint64
}

// churnBucketMembers is the default Churn.bucketMembers.
const churnBucketMembers = 500_000

// New returns the churn model, or p's problems when it is invalid. Its
// p_alive feature is the BG/NBD fit of purchases of the clv model: at
// as_of the fit the clv run of the same as_of recorded (churn depends on
// clv), at the training cut-offs before it purchases.FitPurchases on the
// purchase histories in churn's feature table, once each; its tier feature ranks a member's source tier among tierNames
// (the tiers model's levels in lower case, lowest first).
func New(p Params, purchases *clv.CLV, tierNames []string) (*Churn, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if purchases == nil {
		return nil, fmt.Errorf("churn model: no clv model for the p_alive feature")
	}
	return &Churn{cfg: p, clv: purchases, tierNames: tierNames, bucketMembers: churnBucketMembers}, nil
}

// purchaseFit is the BG/NBD fit behind the p_alive feature at one
// cut-off. Without a fit (ok false: too few repeat buyers, no
// convergence) every member gets p_alive = 1, a constant the regression
// gives no weight.
type purchaseFit struct {
	params clv.BGNBDParams
	ok     bool
}

// fitPurchases fits BG/NBD to the purchase histories at cut-off k of
// the feature table ft (the statistics clv's stats query would give
// there): churn's own fits, at its training cut-offs.
func (m *Churn) fitPurchases(ctx context.Context, env models.Env, ft featureTable, k int) (purchaseFit, error) {
	w := ft.cuts[k-1].w
	var hs []clv.PurchaseHistory
	args := w.Args(env.RunID, clickhouse.Named("k", k))
	err := queries.On(env.Conn).Each(ctx, "tuples", query.Tables{"features": ft.name}, args, func(r warehouse.Rows) error {
		var h clv.PurchaseHistory
		if err := r.Scan(&h.X, &h.TX, &h.T, &h.Members); err != nil {
			return err
		}
		hs = append(hs, h)
		return nil
	})
	if err != nil {
		return purchaseFit{}, fmt.Errorf("churn p_alive at %s: %w", w.Date(), err)
	}
	fit, err := m.clv.FitPurchases(w, hs)
	switch {
	case fit != nil && fit.BGNBD.Converged:
		return purchaseFit{params: fit.BGNBD.Params, ok: true}, nil
	case err != nil && !errors.Is(err, clv.ErrTooFewCustomers) && !errors.Is(err, clv.ErrNotConverged):
		return purchaseFit{}, fmt.Errorf("churn p_alive at %s: %w", w.Date(), err)
	}
	return purchaseFit{}, nil
}

// recordedPurchases returns the BG/NBD fit the clv run churn depends on
// (env.Inputs["clv"], the run RunOne checked) recorded in model_params
// for the as_of of w: the p_alive feature at as_of is exactly clv's, not
// a refit. A clv run that recorded no fit (skipped for too few repeat
// buyers) gives no fit, as a failed fit of churn's own would.
func (m *Churn) recordedPurchases(ctx context.Context, env models.Env, w models.Window) (purchaseFit, error) {
	dep, err := models.DepArgs(env, "clv")
	if err != nil {
		return purchaseFit{}, fmt.Errorf("churn p_alive at %s: %w", w.Date(), err)
	}
	args := w.Args(env.RunID, append(dep, clickhouse.Named("names", clv.PurchaseParamNames))...)
	values := map[string]float64{}
	err = queries.On(env.Conn).Each(ctx, "clv_fit", nil, args, func(r warehouse.Rows) error {
		var k string
		var v float64
		if err := r.Scan(&k, &v); err != nil {
			return err
		}
		values[k] = v
		return nil
	})
	if err != nil {
		return purchaseFit{}, fmt.Errorf("churn p_alive at %s: read the fit of clv run %s: %w", w.Date(), env.Inputs["clv"], err)
	}
	fit, err := recordedFit(values, m.clv.Unit().Days())
	if err != nil {
		return purchaseFit{}, fmt.Errorf("churn p_alive at %s: clv run %s: %w", w.Date(), env.Inputs["clv"], err)
	}
	return fit, nil
}

// recordedFit is the BG/NBD fit in values, a clv run's model_params
// named clv.PurchaseParamNames: no fit when r, alpha, a and b are all
// absent; an error wrapping ErrInvalidData when only some are, when one
// is not a positive finite number, or when its time unit is not unitDays
// days (the unit the p_alive expression divides ages by).
func recordedFit(values map[string]float64, unitDays float64) (purchaseFit, error) {
	names := []string{"r", "alpha", "a", "b"}
	var missing []string
	for _, n := range names {
		if _, ok := values[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) == len(names) {
		return purchaseFit{}, nil
	}
	if len(missing) > 0 {
		return purchaseFit{}, fmt.Errorf("recorded BG/NBD fit lacks %v: %w", missing, ErrInvalidData)
	}
	for _, n := range names {
		if v := values[n]; !(v > 0) || math.IsInf(v, 0) {
			return purchaseFit{}, fmt.Errorf("recorded BG/NBD %s = %g, want a positive finite number: %w", n, v, ErrInvalidData)
		}
	}
	if u, ok := values["time_unit_days"]; !ok || u != unitDays {
		return purchaseFit{}, fmt.Errorf("recorded BG/NBD fit is per %g days (time_unit_days), churn's p_alive needs %g (models.clv.time_unit): %w", u, unitDays, ErrInvalidData)
	}
	p := clv.BGNBDParams{R: values["r"], Alpha: values["alpha"], A: values["a"], B: values["b"]}
	return purchaseFit{params: p, ok: true}, nil
}

// pAliveArgs are the bound values of the p_alive expression of f.
func (m *Churn) pAliveArgs(f purchaseFit) []any {
	bg := f.params
	if !f.ok {
		bg = clv.BGNBDParams{R: 1, Alpha: 1, A: 0, B: 1} // a = 0: p_alive = 1 for everyone
	}
	return []any{
		clickhouse.Named("bg_r", bg.R), clickhouse.Named("bg_alpha", bg.Alpha),
		clickhouse.Named("bg_a", bg.A), clickhouse.Named("bg_b", bg.B),
		clickhouse.Named("bg_unit", m.clv.Unit().Days()),
	}
}

// Name returns "churn".
func (m *Churn) Name() string { return "churn" }

// Deps returns clv: the p_alive feature at as_of uses the BG/NBD fit the
// clv run of the same as_of recorded.
func (m *Churn) Deps() []string { return []string{"clv"} }

// churnRow is one sampled feature row with its label.
type churnRow struct {
	x       []float64
	churned bool
}

// churnSet is a sample of labelled rows at one cut-off.
type churnSet struct {
	rows    []churnRow
	members int64 // rows offered to the sampler
	churned int64 // of those, churned
	pAlive  bool  // whether the p_alive feature had a BG/NBD fit
	cutoff  time.Time
}

func (s churnSet) xy() ([][]float64, []bool) {
	x := make([][]float64, len(s.rows))
	y := make([]bool, len(s.rows))
	for i, r := range s.rows {
		x[i], y[i] = r.x, r.churned
	}
	return x, y
}

// cutoff is one of churn's feature cut-offs: features as of the end of
// w's day, labels from the paid orders after it and before labelEnd
// (w.End: no label).
type cutoff struct {
	w        models.Window
	labelEnd time.Time
}

// featureTable is the scratch table features_fill wrote: the member
// features at cuts[k-1] in its rows of cut-off k, for members in buckets
// hash buckets.
type featureTable struct {
	name    string
	cuts    [3]cutoff
	buckets uint64
}

// features fills the scratch table of sc with the member features at the
// three cut-offs cuts (features_fill: one pass over orders and one over
// events for all three, per member hash bucket) and returns it.
func (m *Churn) features(ctx context.Context, env models.Env, sc *query.Work, cuts [3]cutoff) (featureTable, error) {
	ft := featureTable{name: sc.Table("features"), cuts: cuts}
	tables := query.Tables{"features": ft.name}
	if err := queries.On(env.Conn).Exec(ctx, "features_table", tables); err != nil {
		return ft, err
	}
	var err error
	if ft.buckets, err = m.buckets(ctx, env); err != nil {
		return ft, err
	}
	args := []any{clickhouse.Named("tz", env.Location.String())}
	firstEnd, lastEnd, labelTo := cuts[0].w.End, cuts[0].w.End, cuts[0].labelEnd
	for i, c := range cuts {
		k := strconv.Itoa(i + 1)
		args = append(args,
			clickhouse.Named("as_of_"+k, c.w.Date()),
			clickhouse.Named("as_of_end_"+k, models.FormatUTC(c.w.End)),
			clickhouse.Named("since_30_"+k, models.FormatUTC(c.w.DayStart(29))),
			clickhouse.Named("since_90_"+k, models.FormatUTC(c.w.DayStart(89))),
			clickhouse.Named("since_180_"+k, models.FormatUTC(c.w.DayStart(179))),
			clickhouse.Named("label_end_"+k, models.FormatUTC(c.labelEnd)),
		)
		if c.w.End.Before(firstEnd) {
			firstEnd = c.w.End
		}
		if c.w.End.After(lastEnd) {
			lastEnd = c.w.End
		}
		if c.labelEnd.After(labelTo) {
			labelTo = c.labelEnd
		}
	}
	args = append(args, clickhouse.Named("first_end", models.FormatUTC(firstEnd)), clickhouse.Named("last_end", models.FormatUTC(lastEnd)),
		clickhouse.Named("label_to", models.FormatUTC(labelTo)), clickhouse.Named("buckets", ft.buckets))
	for b := uint64(0); b < ft.buckets; b++ {
		if err := queries.On(env.Conn).Exec(ctx, "features_fill", tables, append(args, clickhouse.Named("bucket", b))...); err != nil {
			return ft, fmt.Errorf("churn features at %s, %s and %s: %w", cuts[0].w.Date(), cuts[1].w.Date(), cuts[2].w.Date(), err)
		}
	}
	return ft, nil
}

// sample streams the feature rows at cut-off k of ft, with p_alive from
// bg, and their labels into a reservoir sample.
func (m *Churn) sample(ctx context.Context, env models.Env, ft featureTable, k int, seed uint64, bg purchaseFit) (churnSet, error) {
	w := ft.cuts[k-1].w
	q, err := queries.On(env.Conn).Text("features", query.Tables{"features": ft.name})
	if err != nil {
		return churnSet{}, err
	}
	// In member order, so the reservoir sample and the fit see the same
	// rows in the same order on every server and every run (issue 10: in
	// engine order the coefficients differed in the fifth digit between
	// ClickHouse versions and between one server and a cluster).
	q += "\nORDER BY member_id"
	smp := NewSampler[churnRow](m.cfg.TrainingCap, seed)
	var set churnSet
	for b := uint64(0); b < ft.buckets; b++ {
		args := append(m.args(w, env.RunID, k, 0), m.pAliveArgs(bg)...)
		args = append(args, clickhouse.Named("buckets", ft.buckets), clickhouse.Named("bucket", b))
		if err := m.stream(ctx, env.Conn, q, args, smp, &set); err != nil {
			return churnSet{}, fmt.Errorf("churn features at %s: %w", w.Date(), err)
		}
	}
	set.rows, set.members, set.pAlive, set.cutoff = smp.Items(), smp.Seen(), bg.ok, w.AsOf
	return set, nil
}

// buckets returns the number of member hash buckets (see bucketMembers).
func (m *Churn) buckets(ctx context.Context, env models.Env) (uint64, error) {
	var n uint64
	if err := queries.On(env.Conn).Each(ctx, "members", nil, nil, func(r warehouse.Rows) error { return r.Scan(&n) }); err != nil {
		return 0, err
	}
	per := max(m.bucketMembers, 1)
	return max((n+per-1)/per, 1), nil
}

// stream reads one bucket of feature rows into the sampler.
func (m *Churn) stream(ctx context.Context, conn warehouse.Conn, q string, args []any, smp *Sampler[churnRow], set *churnSet) error {
	rows, err := conn.Query(warehouse.WithQueryName(ctx, "churn.features"), q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := rows.Columns()
	if len(cols) != len(churnFeatures)+2 || cols[0] != "member_id" || cols[len(cols)-1] != "future_orders" {
		return fmt.Errorf("columns %v do not match the feature list", cols)
	}
	for j, f := range churnFeatures {
		if cols[j+1] != f {
			return fmt.Errorf("column %d is %s, want %s", j+1, cols[j+1], f)
		}
	}
	var id string
	var future uint64
	vals := make([]float64, len(churnFeatures))
	dest := make([]any, 0, len(cols))
	dest = append(dest, &id)
	for j := range vals {
		dest = append(dest, &vals[j])
	}
	dest = append(dest, &future)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		churned := future == 0
		if churned {
			set.churned++
		}
		// A row is made only when the sample takes it, in the storage of
		// the row it replaces once the sample is full: no garbage per row
		// streamed (issue #21, goal 5).
		if slot := smp.Next(); slot >= 0 {
			x := append(smp.Slot(slot).x[:0], vals...)
			smp.Put(slot, churnRow{x: x, churned: churned})
		}
	}
	return rows.Err()
}

// args are the bound values of the features query at cut-off k (window
// w), lapsed buyers kept when keepLapsed is 1.
func (m *Churn) args(w models.Window, runID string, k, keepLapsed int) []any {
	return w.Args(runID,
		clickhouse.Named("k", k),
		clickhouse.Named("tier_names", m.tierNames),
		clickhouse.Named("max_inactive", m.cfg.MaxInactiveDays),
		clickhouse.Named("keep_lapsed", keepLapsed),
	)
}

// ChurnValidation is the out-of-time evaluation of a churn model.
type ChurnValidation struct {
	AUC, BaselineAUC, LogLoss, Brier, Lift float64
	Calibration                            []CalibrationBin
}

// validate scores the validation rows with model.
func validateChurn(model *Model, set churnSet) (ChurnValidation, error) {
	x, y := set.xy()
	p := make([]float64, len(x))
	base := make([]float64, len(x))
	for i := range x {
		p[i] = model.Predict(x[i])
		base[i] = x[i][0] // recency_days: days since the last order
	}
	var v ChurnValidation
	var err error
	if v.AUC, err = AUC(p, y); err != nil {
		return v, err
	}
	if v.BaselineAUC, err = AUC(base, y); err != nil {
		return v, err
	}
	if v.LogLoss, err = LogLoss(p, y); err != nil {
		return v, err
	}
	if v.Brier, err = Brier(p, y); err != nil {
		return v, err
	}
	if v.Lift, err = LiftTopDecile(p, y); err != nil {
		return v, err
	}
	v.Calibration, err = CalibrationByDecile(p, y)
	return v, err
}

// cutoffs are the feature cut-offs of a run for w: D-2H with labels to
// D-H (training), D-H with labels to D (validation and refit), and D
// without labels (scoring).
func (m *Churn) cutoffs(w models.Window) [3]cutoff {
	h := m.cfg.HorizonDays
	train, valid := models.NewWindow(w.AsOf.AddDate(0, 0, -2*h), w.Location), models.NewWindow(w.AsOf.AddDate(0, 0, -h), w.Location)
	return [3]cutoff{{w: train, labelEnd: valid.End}, {w: valid, labelEnd: w.End}, {w: w, labelEnd: w.End}}
}

// Run trains, validates and scores for asOf and writes its partition of
// the churn table.
func (m *Churn) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	h := m.cfg.HorizonDays
	metrics := map[string]float64{"failed": 1, "horizon_days": float64(h)}
	fail := func(err error) (models.Result, error) {
		if rerr := models.RecordMetrics(ctx, env.Conn, m.Name(), w.AsOf, env.RunID, figures.Finite(metrics)); rerr != nil {
			err = errors.Join(err, rerr)
		}
		env.Logger().Error("churn model failed; churn table left unchanged", "err", err)
		return models.Result{}, err
	}
	start := time.Now()
	// p_alive at D is the fit of the clv run this run depends on; read
	// first, so a missing or bad record fails before any work.
	scoreFit, err := m.recordedPurchases(ctx, env, w)
	if err != nil {
		return fail(err)
	}
	metrics["bgnbd_fits_reused"], metrics["score_p_alive_fitted"] = 1, figures.Bool01(scoreFit.ok)
	// Forward in time: fit at D-2H (labels to D-H), validate at D-H
	// (labels to D), then refit at D-H for scoring. The features at the
	// three cut-offs are computed once, into a scratch table; BG/NBD is
	// fitted once at each of the two earlier cut-offs, which clv does not
	// fit, on the purchase histories in that table.
	sc, err := queries.On(env.Conn).Scratch(ctx)
	if err != nil {
		return models.Result{}, err
	}
	defer sc.Drop()
	ft, err := m.features(ctx, env, sc, m.cutoffs(w))
	if err != nil {
		return models.Result{}, err
	}
	fits := 0
	sampleAt := func(k int, seed uint64) (churnSet, error) {
		bg, err := m.fitPurchases(ctx, env, ft, k)
		if err != nil {
			return churnSet{}, err
		}
		fits++
		return m.sample(ctx, env, ft, k, seed, bg)
	}
	train, err := sampleAt(1, m.cfg.Seed)
	if err != nil {
		return models.Result{}, err
	}
	// Memory (issue #21, goal 5): the training rows are standardised once,
	// for every candidate penalty, and dropped before the validation rows
	// are read; the validation rows are standardised for the refit after
	// the training design is gone. So at most one set of rows and one
	// design (each n x 39 float64, about 150 MB at the 500,000-row cap) are
	// held at once. A design error is reported after the checks below, as
	// the fit's was.
	trainRows := len(train.rows)
	var design *Design
	var designErr error
	if trainRows > 0 {
		x, y := train.xy()
		design, designErr = NewDesign(churnFeatures, x, y)
	}
	train.rows = nil
	valid, err := sampleAt(2, m.cfg.Seed+1)
	if err != nil {
		return models.Result{}, err
	}
	metrics["bgnbd_fits"] = float64(fits)
	metrics["train_p_alive_fitted"], metrics["validation_p_alive_fitted"] = figures.Bool01(train.pAlive), figures.Bool01(valid.pAlive)
	metrics["train_members"], metrics["train_rows"] = float64(train.members), float64(trainRows)
	metrics["validation_members"], metrics["validation_rows"] = float64(valid.members), float64(len(valid.rows))
	if train.members > 0 {
		metrics["train_churn_rate"] = float64(train.churned) / float64(train.members)
	}
	if valid.members > 0 {
		metrics["validation_churn_rate"] = float64(valid.churned) / float64(valid.members)
	}
	if trainRows == 0 || len(valid.rows) == 0 {
		return fail(fmt.Errorf("churn for %s: %d training and %d validation members with orders before the cut-offs: %w",
			w.Date(), trainRows, len(valid.rows), ErrInvalidData))
	}
	metrics["features_seconds"] = time.Since(start).Seconds()
	fitStart := time.Now()
	candidates := m.cfg.L2Candidates
	if len(candidates) == 0 {
		candidates = []float64{m.cfg.L2}
	}
	if designErr != nil {
		return fail(fmt.Errorf("churn for %s: %w", w.Date(), designErr))
	}
	best, losses, err := chooseL2(design, valid, candidates)
	for i, l := range losses {
		metrics[l2Metric(i)] = l
	}
	if err != nil {
		return fail(fmt.Errorf("churn for %s: %w", w.Date(), err))
	}
	fitted, v := best.Model, best.Validation
	metrics["l2"] = best.L2
	metrics["converged"], metrics["iterations"], metrics["grad_norm"] = figures.Bool01(fitted.Converged), float64(fitted.Iterations), fitted.GradNorm
	metrics["train_log_loss"] = fitted.TrainLogLoss
	metrics["auc"], metrics["baseline_auc"], metrics["log_loss"], metrics["brier"], metrics["lift_top_decile"] =
		v.AUC, v.BaselineAUC, v.LogLoss, v.Brier, v.Lift
	for _, b := range v.Calibration {
		k := fmt.Sprintf("calibration_%02d_", b.Decile)
		metrics[k+"predicted"], metrics[k+"observed"], metrics[k+"count"] = b.MeanPredicted, b.ObservedRate, float64(b.Count)
	}
	if v.AUC <= v.BaselineAUC {
		env.Logger().Warn("churn model does not beat the days-since-last-order baseline", "auc", v.AUC, "baseline_auc", v.BaselineAUC)
	}
	// The refit at D-H sees the validation rows: the latest complete labels.
	metrics["refit_members"], metrics["refit_rows"] = float64(valid.members), float64(len(valid.rows))
	vx, vy := valid.xy()
	refit, err := NewDesign(churnFeatures, vx, vy)
	valid.rows = nil
	var model *Model
	if err == nil {
		model, err = refit.Fit(Options{L2: best.L2})
	}
	if model != nil {
		metrics["refit_converged"], metrics["refit_iterations"] = figures.Bool01(model.Converged), float64(model.Iterations)
	}
	if err != nil {
		return fail(fmt.Errorf("churn for %s: refit at %s: %w", w.Date(), valid.cutoff.Format(asof.Layout), err))
	}
	metrics["fit_seconds"] = time.Since(fitStart).Seconds()
	scoreStart := time.Now()
	n, cuts, err := m.score(ctx, env, sc, ft, model, scoreFit)
	if err != nil {
		return models.Result{}, err
	}
	metrics["band_cut_medium"], metrics["band_cut_high"], metrics["band_cut_critical"] = cuts[0], cuts[1], cuts[2]
	metrics["score_seconds"] = time.Since(scoreStart).Seconds()
	metrics["failed"] = 0
	params := map[string]float64{"intercept_std": model.Intercept, "l2": best.L2, "horizon_days": float64(h),
		"band_cut_medium": cuts[0], "band_cut_high": cuts[1], "band_cut_critical": cuts[2]}
	if scoreFit.ok {
		bg := scoreFit.params
		params["score_bgnbd_r"], params["score_bgnbd_alpha"], params["score_bgnbd_a"], params["score_bgnbd_b"] = bg.R, bg.Alpha, bg.A, bg.B
	}
	intercept, raw := model.RawCoefficients()
	params["intercept"] = intercept
	for j, f := range churnFeatures {
		params["std_coef_"+f] = model.Coef[j]
		params["coef_"+f] = raw[j]
		params["mean_"+f] = model.Means[j]
		params["sd_"+f] = model.StdDevs[j]
	}
	return models.Result{Rows: map[string]uint64{"churn": n}, Metrics: figures.Finite(metrics), Params: figures.Finite(params)}, nil
}

// score writes the churn partition of the as_of of ft's cut-off 3: the
// features there (p_alive from bg) through a scratch view of ft, scored
// in ClickHouse with model's coefficients into a scratch table of sc; then
// the risk band cut points (fixed, or the configured quantiles of the
// scored probabilities, lapsed buyers left out) and the published rows
// with their bands. It returns the rows and the cut points.
func (m *Churn) score(ctx context.Context, env models.Env, sc *query.Work, ft featureTable, model *Model, bg purchaseFit) (uint64, [3]float64, error) {
	var cuts [3]float64
	w := ft.cuts[2].w
	fq, err := queries.On(env.Conn).Text("features", query.Tables{"features": ft.name})
	if err != nil {
		return 0, cuts, err
	}
	// The fill query sums the groups' contributions in churnGroups order
	// (TestChurnSQLGroups keeps them in step); their words are bound.
	groups := churnGroups()
	hi, lo := make([]string, len(groups)), make([]string, len(groups))
	for i, g := range groups {
		hi[i], lo[i] = g.hi, g.lo
	}
	scored := sc.Table("scored")
	tables := map[string]string{"scored": scored}
	if err := queries.On(env.Conn).Exec(ctx, "scored_table", tables); err != nil {
		return 0, cuts, err
	}
	// Every member in one view and one fill: scoring aggregates nothing.
	view := sc.Table("features_3")
	args := append(m.args(w, env.RunID, 3, 1), m.pAliveArgs(bg)...)
	args = append(args, clickhouse.Named("buckets", 1), clickhouse.Named("bucket", 0))
	if err := env.Conn.Exec(ctx, "CREATE VIEW "+view+" AS "+fq, args...); err != nil {
		return 0, cuts, fmt.Errorf("churn features view: %w", err)
	}
	args = append(args,
		clickhouse.Named("coef", model.Coef), clickhouse.Named("means", model.Means), clickhouse.Named("sds", model.StdDevs),
		clickhouse.Named("intercept", model.Intercept),
		clickhouse.Named("high_words", hi), clickhouse.Named("low_words", lo),
		clickhouse.Named("lapsed_words", fmt.Sprintf("no paid order for over %d days", m.cfg.MaxInactiveDays)),
	)
	if err := queries.On(env.Conn).Exec(ctx, "fill", map[string]string{"scored": scored, "features": view}, args...); err != nil {
		return 0, cuts, err
	}
	if len(m.cfg.RiskBands) == 3 {
		copy(cuts[:], m.cfg.RiskBands)
	} else {
		q := m.cfg.RiskBandQuantiles
		args := []any{clickhouse.Named("q1", q[0]), clickhouse.Named("q2", q[1]), clickhouse.Named("q3", q[2])}
		if err := queries.On(env.Conn).Row(ctx, "band_cuts", tables, args, &cuts[0], &cuts[1], &cuts[2]); err != nil {
			return 0, cuts, fmt.Errorf("churn band cut points: %w", err)
		}
	}
	n, err := query.ReplacePartition(ctx, env.Conn, "churn", w.AsOf, func(stage string) error {
		return queries.On(env.Conn).Exec(ctx, "publish", map[string]string{"stage": stage, "scored": scored}, clickhouse.Named("band_medium", cuts[0]), clickhouse.Named("band_high", cuts[1]), clickhouse.Named("band_critical", cuts[2]))
	})
	return n, cuts, err
}

// Tables implements models.Declarer.
func (*Churn) Tables() []models.Table {
	return []models.Table{
		{Name: "churn", Sharded: true, Migration: "041_churn.sql",
			Comment: "Churn prediction per buyer and as_of (L2 logistic regression): probability of no paid order in the horizon, risk band, top three drivers."},
	}
}
