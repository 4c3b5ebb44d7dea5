package churn

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the churn risk section of the report: members per risk band
// and per tenth of churn probability, and the model's validation (AUC,
// calibration and lift by score decile) as it recorded it in
// model_metrics.
var Section = report.NewSection(report.SectionSpec{
	ID: "churn",
	Sources: []report.Source{
		{Model: "churn", Table: "churn", Columns: []string{"as_of", "member_id", "churn_probability", "risk_band"}},
		{Model: "churn", Table: "model_metrics", Columns: []string{"as_of", "model", "metric", "value"}},
	},
	Queries: query.MustParse("churn_report", reportSrc),
	Labels:  labels,
	Place:   130,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *Churn) ReportSection() report.Section { return Section }

// Band is the member count of one churn risk band.
type Band struct {
	Name                 string
	Members, MembersPrev float64
}

// Quality is the model's validation as recorded in model_metrics.
type Quality struct {
	AUC, BaselineAUC, LiftTop float64
	// Predicted and Observed are the mean predicted and observed churn
	// per score decile (index 0 = decile 1, lowest score), when recorded.
	Predicted, Observed []float64
	// Lift is the lift per score decile, when recorded.
	Lift []float64
}

// Figures are what the section shows.
type Figures struct {
	Missing []report.Missing
	HasPrev bool
	Bands   []Band
	// Hist counts members per tenth of churn probability.
	Hist [10]float64
	// Quality is nil when the model recorded no validation figures.
	Quality *Quality
}

// riskOrder is the order of the churn risk bands.
var riskOrder = []string{"low", "medium", "high", "critical", "lapsed"}

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	c := &Figures{}
	var hp bool
	if c.Missing, hp = in.Need("churn"); c.Missing != nil {
		return c, nil
	}
	c.HasPrev = hp
	err := in.Each(ctx, "bands", func(scan func(...any) error) error {
		var kind, key string
		var m, mp float64
		if err := scan(&kind, &key, &m, &mp); err != nil {
			return err
		}
		if kind == "bin" {
			if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < 10 {
				c.Hist[i] = m
			}
			return nil
		}
		if m > 0 || mp > 0 {
			c.Bands = append(c.Bands, Band{Name: key, Members: m, MembersPrev: mp})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	report.SortByOrder(c.Bands, func(b Band) string { return b.Name }, riskOrder)
	metrics, err := in.Metrics(ctx, "churn")
	if err != nil {
		return nil, err
	}
	c.Quality = quality(metrics)
	return c, nil
}

// quality reads the model's validation figures (metrics.go): auc,
// baseline_auc, lift_top_decile and, per score decile dd = 01..10,
// calibration_dd_predicted, calibration_dd_observed and
// calibration_dd_count. The lift of a decile is its observed churn rate
// over the overall rate. It returns nil without auc.
func quality(m map[string]float64) *Quality {
	auc, ok := m["auc"]
	if !ok {
		return nil
	}
	q := &Quality{AUC: auc, BaselineAUC: m["baseline_auc"], LiftTop: m["lift_top_decile"]}
	var churned, rows float64
	for d := 1; d <= 10; d++ {
		k := fmt.Sprintf("calibration_%02d_", d)
		p, ok := m[k+"predicted"]
		if !ok {
			break
		}
		q.Predicted = append(q.Predicted, p)
		q.Observed = append(q.Observed, m[k+"observed"])
		churned += m[k+"observed"] * m[k+"count"]
		rows += m[k+"count"]
	}
	if rows > 0 && churned > 0 {
		base := churned / rows
		for _, o := range q.Observed {
			q.Lift = append(q.Lift, o/base)
		}
	}
	return q
}

func build(c *Figures, v report.View) []report.Block {
	s := report.Block{ID: "churn", Title: v.T("churn"), Notices: v.Notices(c.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	var bands []string
	var now, before []float64
	for _, b := range c.Bands {
		bands = append(bands, v.Name(b.Name))
		now = append(now, b.Members)
		before = append(before, b.MembersPrev)
	}
	prevDate, curDate := v.DateLabels()
	series := []report.Series{{Name: curDate, Values: now}}
	if c.HasPrev {
		series = append([]report.Series{{Name: prevDate, Values: before}}, series...)
	}
	var bins []string
	for i := 0; i < 10; i++ {
		bins = append(bins, fmt.Sprintf("%d–%d%%", i*10, i*10+10))
	}
	s.Charts = []report.Chart{
		{Title: v.T("churn_bands"), SVG: report.Bars{Name: "churn_bands", Label: v.T("churn_bands"), Categories: bands, Series: series, Value: v.Compact,
			XTitle: v.T("risk_band"), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()},
		{Title: v.T("churn_histogram"), SVG: report.Bars{Name: "churn_histogram", Label: v.T("churn_histogram"), Categories: bins, Series: []report.Series{{Name: v.T("members"), Values: c.Hist[:]}}, Value: v.Compact,
			XTitle: v.Unit(v.T("churn_probability"), "%"), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()},
	}
	s.Defs = []report.Def{
		{Term: v.T("def_horizon"), Value: v.Param("churn", "horizon_days", v.Days)},
		{Term: v.T("churn_probability"), Value: fmt.Sprintf(v.T("def_churn_text"), v.Param("churn", "horizon_days", v.Days))},
		{Term: v.T("risk_band"), Value: v.T("def_bands_text")},
	}
	q := c.Quality
	if q == nil {
		s.Note = v.T("no_quality")
		return []report.Block{s}
	}
	s.Stats = []report.Stat{
		{Label: v.T("auc"), Value: v.Dec(q.AUC, 3)},
		{Label: v.T("baseline_auc"), Value: v.Dec(q.BaselineAUC, 3), Sub: v.SignedDec(q.AUC-q.BaselineAUC, 3)},
		{Label: v.T("lift_top"), Value: v.Dec(q.LiftTop, 2) + "×"},
	}
	dec := func(n int) []string {
		var d []string
		for i := 1; i <= n; i++ {
			d = append(d, strconv.Itoa(i))
		}
		return d
	}
	if len(q.Predicted) > 0 {
		s.Charts = append(s.Charts, report.Chart{Title: v.T("calibration"), SVG: report.Bars{Name: "churn_calibration", Label: v.T("calibration"), Categories: dec(len(q.Predicted)),
			Series: []report.Series{{Name: v.T("predicted"), Values: q.Predicted}, {Name: v.T("observed"), Values: q.Observed}}, Value: v.Pct, Lines: true,
			XTitle: v.T("score_decile"), YTitle: v.Unit(v.T("churn_rate"), "%")}.SVG()})
	}
	if len(q.Lift) > 0 {
		s.Charts = append(s.Charts, report.Chart{Title: v.T("lift"), SVG: report.Bars{Name: "churn_lift", Label: v.T("lift"), Categories: dec(len(q.Lift)),
			Series: []report.Series{{Name: v.T("lift"), Values: q.Lift}}, Value: func(x float64) string { return v.Dec(x, 1) + "×" },
			XTitle: v.T("score_decile"), YTitle: v.Unit(v.T("lift_axis"), "×")}.SVG()})
	}
	return []report.Block{s}
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"churn":             "Churn risk",
		"churn_bands":       "Members by risk band",
		"churn_histogram":   "Members by churn probability",
		"churn_probability": "Churn probability",
		"model_quality":     "Model quality",
		"auc":               "AUC",
		"baseline_auc":      "Baseline AUC (recency only)",
		"calibration":       "Calibration by decile",
		"predicted":         "Predicted",
		"observed":          "Observed",
		"lift":              "Lift by decile",
		"lift_top":          "Top-decile lift",
		"no_quality":        "the churn model recorded no validation figures for this as_of",
		"def_churn_text":    "probability of no paid order within the horizon (%s) after the as_of",
		"risk_band":         "Risk band",
		"def_bands_text":    "cut points of the predicted probability; lapsed = beyond the model's inactivity limit, not scored",
		"score_decile":      "Score decile (10 = highest risk)",
		"churn_rate":        "Churn rate",
		"lift_axis":         "Lift",
	},
	report.Chinese: {
		"churn":             "流失风险",
		"churn_bands":       "按风险等级的会员数",
		"churn_histogram":   "按流失概率的会员分布",
		"churn_probability": "流失概率",
		"model_quality":     "模型质量",
		"auc":               "AUC",
		"baseline_auc":      "基线 AUC（仅最近购买）",
		"calibration":       "分十分位校准",
		"predicted":         "预测",
		"observed":          "实际",
		"lift":              "分十分位提升度",
		"lift_top":          "前 10% 提升度",
		"no_quality":        "流失模型在该数据日期没有记录验证指标",
		"def_churn_text":    "数据日期后预测期（%s）内没有已付订单的概率",
		"risk_band":         "风险等级",
		"def_bands_text":    "按预测概率的切分点；已流失 = 超出模型的不活跃上限，不评分",
		"score_decile":      "评分十分位（10 = 风险最高）",
		"churn_rate":        "流失率",
		"lift_axis":         "提升度",
	},
}
