// Package rfm is the rfm model: recency, frequency and monetary scores,
// named R/F segments and value layers per buyer and as_of (table rfm).
// Parameters: Params (models.rfm); queries: rfm.sql.
package rfm

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/models"
)

// sqlSrc is the model's queries, cut at "-- name:" lines.
//
//go:embed rfm.sql
var sqlSrc string

// queries is parsed once, when the program starts.
var queries = query.MustParse("rfm", sqlSrc)

// RFM is the rfm model: per buyer, recency, frequency and monetary over a
// window, AOV and its trend, 1-5 scores among the buyers with an order in
// the window (ties rule in rfm.sql and the rfm table's
// comments), the named segment from the R/F map and a value layer from the
// monetary score; lapsed buyers (no order in the window) get scores 0 and
// the lapsed segment. Output: table rfm.
type RFM struct {
	cfg Params
}

// New returns the rfm model, or p's problems when it is invalid.
func New(p Params) (*RFM, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &RFM{cfg: p}, nil
}

// Name implements models.Model.
func (*RFM) Name() string { return "rfm" }

// Deps implements models.Model: rfm reads only the raw views.
func (*RFM) Deps() []string { return nil }

// RFMap returns the 25 segment names of the R/F map, indexed by
// (r-1)*5 + (f-1); the first rule containing a cell wins.
func RFMap(rules []Segment) []string {
	out := make([]string, 25)
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for _, s := range rules {
				if len(s.R) == 2 && len(s.F) == 2 && r >= s.R[0] && r <= s.R[1] && f >= s.F[0] && f <= s.F[1] {
					out[(r-1)*5+f-1] = s.Name
					break
				}
			}
		}
	}
	return out
}

// Run implements models.Model.
func (m *RFM) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	args := w.Args(env.RunID,
		clickhouse.Named("window_start", models.FormatUTC(w.DayStart(m.cfg.WindowDays-1))),
		clickhouse.Named("recent_start", models.FormatUTC(w.DayStart(m.cfg.TrendDays-1))),
		clickhouse.Named("prior_start", models.FormatUTC(w.DayStart(2*m.cfg.TrendDays-1))),
		clickhouse.Named("rf_map", RFMap(m.cfg.Segments)),
		clickhouse.Named("value_layers", m.cfg.ValueLayers),
		clickhouse.Named("lapsed_segment", m.cfg.LapsedSegment),
	)
	// window_days is recorded so that the report states the window used.
	res := models.Result{Rows: map[string]uint64{}, Metrics: map[string]float64{}, Params: map[string]float64{"window_days": float64(m.cfg.WindowDays)}}
	q := queries.On(env.Conn)
	sc, err := q.Scratch(ctx)
	if err != nil {
		return models.Result{}, fmt.Errorf("rfm: %w", err)
	}
	defer sc.Drop()
	t := query.Tables{"scratch": sc.Table("base")}
	if err := q.Exec(ctx, "base_create", t); err != nil {
		return models.Result{}, fmt.Errorf("rfm: %w", err)
	}
	if err := q.Exec(ctx, "base_fill", t, args...); err != nil {
		return models.Result{}, fmt.Errorf("rfm: %w", err)
	}
	n, err := q.Stage(ctx, "rfm", w.AsOf, func(stage string) error {
		t["stage"] = stage
		if err := q.Exec(ctx, "fill", t, args...); err != nil {
			return err
		}
		var buyers, scored float64
		var cr, cf, cm []float64
		if err := q.Row(ctx, "cuts", t, nil, &buyers, &scored, &cr, &cf, &cm); err != nil {
			return err
		}
		res.Metrics["buyers"], res.Metrics["scored_buyers"], res.Metrics["lapsed_buyers"] = buyers, scored, buyers-scored
		for i, p := range []string{"p20", "p40", "p60", "p80"} {
			if i < len(cr) && scored > 0 {
				res.Params["recency_days_"+p] = cr[i]
				res.Params["frequency_"+p] = cf[i]
				res.Params["monetary_"+p] = cm[i]
			}
		}
		return nil
	})
	if err != nil {
		return models.Result{}, fmt.Errorf("rfm: %w", err)
	}
	res.Rows["rfm"] = n
	return res, nil
}

// Tables implements models.Declarer.
func (*RFM) Tables() []models.Table {
	return []models.Table{
		{Name: "rfm", Sharded: true, Migration: "022_rfm.sql",
			Comment: "RFM per buyer and as_of: recency, frequency, monetary, AOV and trend, 1-5 scores, named segment and value layer. One partition per as_of."},
	}
}
