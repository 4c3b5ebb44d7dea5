package churn

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
)

// TestRecordedFit: the BG/NBD fit churn reads from a clv run's
// model_params is all four parameters in clv's time unit, or none (no
// fit); anything else is an error naming what is wrong.
func TestRecordedFit(t *testing.T) {
	full := map[string]float64{"r": 0.25, "alpha": 4, "a": 0.8, "b": 2.5, "time_unit_days": 7}
	with := func(k string, v float64) map[string]float64 {
		out := map[string]float64{}
		for n, x := range full {
			out[n] = x
		}
		out[k] = v
		return out
	}
	without := func(k string) map[string]float64 {
		out := with(k, 0)
		delete(out, k)
		return out
	}
	got, err := recordedFit(full, 7)
	if err != nil || !got.ok || got.params != (clv.BGNBDParams{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}) {
		t.Errorf("complete record: %+v, %v", got, err)
	}
	if got, err := recordedFit(map[string]float64{"time_unit_days": 7}, 7); err != nil || got.ok {
		t.Errorf("no fit recorded: %+v, %v; want no fit and no error", got, err)
	}
	for _, c := range []struct {
		name   string
		values map[string]float64
		want   string
	}{
		{"b missing", without("b"), "lacks [b]"},
		{"a zero", with("a", 0), "a = 0"},
		{"alpha NaN", with("alpha", math.NaN()), "alpha = NaN"},
		{"r infinite", with("r", math.Inf(1)), "r = +Inf"},
		{"other unit", with("time_unit_days", 1), "per 1 days"},
		{"no unit", without("time_unit_days"), "time_unit_days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := recordedFit(c.values, 7)
			if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrInvalidData naming %q", err, c.want)
			}
		})
	}
}

// TestChurnReusesCLVFitIntegration: at as_of churn's p_alive uses exactly
// the BG/NBD parameters the clv run of that as_of recorded, fitting
// BG/NBD itself only at its two training cut-offs; with other recorded
// parameters (same clv run) the scores change, so scoring reads the
// record rather than refitting; and every SQL score is Model.Predict of
// the recorded model within 1e-9. On both engines.
func TestChurnReusesCLVFitIntegration(t *testing.T) {
	t.Parallel()
	dir, _ := modeltest.Generated(t)
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			conn := e.Conn
			if err := genload.All(ctx, conn, dir, nil); err != nil {
				t.Fatal(err)
			}
			asOf := modeltest.AsOf(t, "2025-12-31")
			m := newTestChurn(t)
			if _, err := runWithCLV(t, conn, m, "c1", asOf); err != nil {
				t.Fatal(err)
			}
			fit := modeltest.Params(t, conn, "clv", asOf)
			p, k := modeltest.Params(t, conn, "churn", asOf), modeltest.Metrics(t, conn, "churn", asOf)
			for _, n := range []string{"r", "alpha", "a", "b"} {
				if _, ok := fit[n]; !ok || p["score_bgnbd_"+n] != fit[n] {
					t.Errorf("churn scored with %s = %v, clv run c1-clv recorded %v", n, p["score_bgnbd_"+n], fit[n])
				}
			}
			for name, want := range map[string]float64{"bgnbd_fits": 2, "bgnbd_fits_reused": 1, "score_p_alive_fitted": 1, "train_p_alive_fitted": 1} {
				if k[name] != want {
					t.Errorf("%s = %g, want %g", name, k[name], want)
				}
			}
			runs, err := models.Runs(ctx, conn, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got := runs["churn"].Deps["clv"]; got != "c1-clv" {
				t.Errorf("model_runs: churn read clv run %q, want c1-clv", got)
			}
			goScoresMatch(t, conn, m, asOf, p, purchaseFit{params: clv.BGNBDParams{R: fit["r"], Alpha: fit["alpha"], A: fit["a"], B: fit["b"]}, ok: true})
			scores := `SELECT toString(sum(cityHash64(member_id, toString(churn_probability)))) FROM churn WHERE as_of = '2025-12-31'`
			first := chtest.QueryString(t, conn, scores)
			// The same clv run, other recorded parameters: churn scores with them.
			other := map[string]float64{}
			for n, v := range fit {
				other[n] = v
			}
			other["r"] *= 2
			if err := models.RecordParams(ctx, conn, "clv", asOf, "c1-clv", other); err != nil {
				t.Fatal(err)
			}
			if _, err := models.RunOne(ctx, m, modeltest.Env(conn, "c2"), asOf); err != nil {
				t.Fatal(err)
			}
			if got := modeltest.Params(t, conn, "churn", asOf)["score_bgnbd_r"]; got != other["r"] {
				t.Errorf("after replacing clv's recorded r by %v churn scored with r = %v", other["r"], got)
			}
			if chtest.QueryString(t, conn, scores) == first {
				t.Error("churn scores did not change with clv's recorded parameters")
			}
		})
	}
}

// TestChurnNeedsCLVRunIntegration: churn refuses to run for an as_of
// without a clv run (the error says to run clv), and fails, recording
// failed = 1, when the clv run recorded an incomplete BG/NBD fit. When the
// clv run recorded none (skipped: too few repeat buyers) churn runs with
// p_alive = 1 at as_of. On both engines.
func TestChurnNeedsCLVRunIntegration(t *testing.T) {
	t.Parallel()
	var members []modeltest.Member
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		members = append(members, modeltest.Member{ID: id, Joined: "2024-01-01 00:00:00"})
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: members,
		Orders: []modeltest.Order{
			{Member: "a", At: "2024-04-10 10:00:00", Amount: 50}, {Member: "a", At: "2024-06-10 10:00:00", Amount: 60},
			{Member: "b", At: "2024-04-15 10:00:00", Amount: 70}, {Member: "b", At: "2024-05-10 10:00:00", Amount: 30},
			{Member: "c", At: "2024-05-20 10:00:00", Amount: 40},
			{Member: "d", At: "2024-04-20 10:00:00", Amount: 80}, {Member: "d", At: "2024-06-20 10:00:00", Amount: 20},
			{Member: "e", At: "2024-05-25 10:00:00", Amount: 90}, {Member: "e", At: "2024-06-05 10:00:00", Amount: 10},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		ctx := context.Background()
		asOf := modeltest.AsOf(t, "2024-06-30")
		m := churnFixtureModel(t)
		_, err := models.RunOne(ctx, m, modeltest.Env(conn, "alone"), asOf)
		if !errors.Is(err, models.ErrMissingDependency) || !strings.Contains(err.Error(), "clv has not run for 2024-06-30") {
			t.Fatalf("churn without a clv run: err = %v, want ErrMissingDependency naming clv", err)
		}
		// Five members: too few repeat buyers, clv is skipped and records no fit.
		res, err := runWithCLV(t, conn, m, "nofit", asOf)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Result.Metrics["score_p_alive_fitted"]; got != 0 {
			t.Errorf("score_p_alive_fitted = %g after a clv run without a fit, want 0", got)
		}
		if err := models.RecordParams(ctx, conn, "clv", asOf, "nofit-clv", map[string]float64{"r": 1, "alpha": 1, "time_unit_days": 7}); err != nil {
			t.Fatal(err)
		}
		_, err = models.RunOne(ctx, m, modeltest.Env(conn, "partial"), asOf)
		if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), "clv run nofit-clv") {
			t.Fatalf("churn on an incomplete clv record: err = %v, want ErrInvalidData naming the clv run", err)
		}
		if got := modeltest.Metrics(t, conn, "churn", asOf); got["failed"] != 1 {
			t.Errorf("model_metrics failed = %g, want 1", got["failed"])
		}
	})
}

// goScoresMatch: every scored (not lapsed) member's churn_probability,
// computed in ClickHouse, is the recorded model's Model.Predict of the
// member's features at asOf (p_alive from bg) within 1e-9.
func goScoresMatch(t *testing.T, conn warehouse.Conn, m *Churn, asOf time.Time, params map[string]float64, bg purchaseFit) {
	t.Helper()
	ctx := context.Background()
	model := &Model{Features: churnFeatures, Intercept: params["intercept_std"]}
	for _, f := range churnFeatures {
		model.Coef = append(model.Coef, params["std_coef_"+f])
		model.Means = append(model.Means, params["mean_"+f])
		model.StdDevs = append(model.StdDevs, params["sd_"+f])
	}
	sql := map[string]float64{}
	rows, err := conn.Query(ctx, "SELECT member_id, churn_probability FROM churn WHERE as_of = ? AND risk_band != 'lapsed'", asOf.Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		sql[id] = v
	}
	rows.Close()
	w := models.NewWindow(asOf, time.UTC)
	ft := featuresAt(t, m, models.Env{Conn: conn, Location: time.UTC, RunID: "check"}, asOf, asOf)
	q, err := queries.On(conn).Text("features", query.Tables{"features": ft.name})
	if err != nil {
		t.Fatal(err)
	}
	args := append(m.args(w, "check", 3, 1), m.pAliveArgs(bg)...)
	args = append(args, clickhouse.Named("buckets", 1), clickhouse.Named("bucket", 0))
	frows, err := conn.Query(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer frows.Close()
	var id string
	var future uint64
	x := make([]float64, len(churnFeatures))
	dest := []any{&id}
	for j := range x {
		dest = append(dest, &x[j])
	}
	dest = append(dest, &future)
	var n, worst int
	var maxDiff float64
	for frows.Next() {
		if err := frows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		v, ok := sql[id]
		if !ok {
			continue // lapsed
		}
		n++
		if d := math.Abs(model.Predict(x) - v); d > maxDiff {
			maxDiff = d
		}
		if d := math.Abs(model.Predict(x) - v); d > 1e-9 {
			worst++
		}
	}
	if err := frows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d scored members: largest |SQL - Go| probability difference %.3g", n, maxDiff)
	if n != len(sql) || n == 0 {
		t.Errorf("compared %d of %d scored members", n, len(sql))
	}
	if worst > 0 {
		t.Errorf("%d members' SQL churn_probability differs from Model.Predict by more than 1e-9 (largest %.3g)", worst, maxDiff)
	}
}
