package campaigns

import (
	"context"
	_ "embed"
	"math"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the campaigns section of the report: campaign_results with
// the uplift error bars, and the upgrade funnel (campaign_funnel).
var Section = report.NewSection(report.SectionSpec{
	ID: "campaigns",
	Sources: []report.Source{
		{Model: "campaigns", Table: "campaign_results", Columns: []string{"as_of", "campaign_id", "evidence", "group", "variant", "conversion_uplift", "srm_mismatch"}},
		{Model: "campaigns", Table: "campaign_funnel", Columns: []string{"as_of", "campaign_id", "group", "step", "members"}},
	},
	Queries: query.MustParse("campaigns_report", reportSrc),
	Labels:  labels,
	Place:   210,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *Campaigns) ReportSection() report.Section { return Section }

// ResultRow is one row of campaign_results as the section reads it; the
// statistics are NaN on comparison rows and where undefined.
type ResultRow struct {
	Campaign, Evidence, Group, Variant string
	Members, Conversion, RPM           float64
	Uplift, Lo, Hi, P                  float64
	RPMUplift, RPMP, Incremental, ROI  float64
	SRM, Complete                      bool
}

// FunnelStep is one row of campaign_funnel as the section reads it.
type FunnelStep struct {
	Campaign, Group, Step              string
	Members, OfFlagged, OfPrev, Uplift float64
	UpliftP                            float64
}

// Figures are what the section shows: results and the upgrade funnel.
type Figures struct {
	Missing []report.Missing
	Rows    []ResultRow
	Funnel  []FunnelStep
}

// read loads campaign_results and campaign_funnel of the as_of. As for
// every section, tables without rows for the as_of are missing unless
// the campaigns model has a succeeded run for it (model_runs): such a run
// found no campaign with assignments by then and published no rows.
func read(ctx context.Context, in *report.Input) (*Figures, error) {
	c := &Figures{}
	if c.Missing, _ = in.Need("campaign_results", "campaign_funnel"); c.Missing != nil {
		return c, nil
	}
	err := in.Each(ctx, "results", func(scan func(...any) error) error {
		var x ResultRow
		var srm, complete uint8
		if err := scan(&x.Campaign, &x.Evidence, &x.Group, &x.Variant, &x.Members, &x.Conversion, &x.RPM,
			&x.Uplift, &x.Lo, &x.Hi, &x.P, &x.RPMUplift, &x.RPMP, &x.Incremental, &x.ROI, &srm, &complete); err != nil {
			return err
		}
		x.SRM, x.Complete = srm == 1, complete == 1
		c.Rows = append(c.Rows, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = in.Each(ctx, "funnel", func(scan func(...any) error) error {
		var x FunnelStep
		if err := scan(&x.Campaign, &x.Group, &x.Step, &x.Members, &x.OfFlagged, &x.OfPrev, &x.Uplift, &x.UpliftP); err != nil {
			return err
		}
		c.Funnel = append(c.Funnel, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// rowName is "C1", "C1 · A" for a variant.
func (x ResultRow) rowName() string {
	if x.Variant == "" {
		return x.Campaign
	}
	return x.Campaign + " · " + x.Variant
}

func build(c *Figures, v report.View) []report.Block {
	return []report.Block{block(c, v)}
}

func block(c *Figures, v report.View) report.Block {
	s := report.Block{ID: "campaigns", Title: v.T("campaigns"), Notices: v.Notices(c.Missing), Note: v.T("campaigns_note")}
	if s.Notices != nil {
		return s
	}
	s.Defs = []report.Def{
		{Term: v.T("def_attribution_window"), Value: v.Param("campaigns", "window_days", v.Days) + " · " + v.T("def_attribution_window_text")},
		{Term: v.T("uplift"), Value: v.T("def_uplift_text")},
		{Term: v.T("srm"), Value: v.T("def_srm_text")},
		{Term: v.T("def_currency"), Value: v.CurrencyText()},
	}
	if len(c.Rows) == 0 {
		s.Note = v.T("no_campaigns")
		return s
	}
	// pp writes a difference of shares in percentage points ("–" for NaN).
	pp := func(x float64) string { return v.PointChange(x, 0) }
	pv := func(x float64) string {
		if math.IsNaN(x) {
			return "–"
		}
		if x < 0.001 {
			return "< 0.001"
		}
		return v.Dec(x, 3)
	}
	money := func(x float64) string {
		if math.IsNaN(x) {
			return "–"
		}
		return v.Money(x)
	}
	t := report.Table{Head: []string{v.T("campaign"), v.T("evidence"), v.T("group"), v.T("members"), v.T("conversion"), v.T("uplift"), v.T("ci95"), "p",
		v.T("revenue_per_member"), v.T("incremental_revenue"), v.T("roi"), v.T("srm")},
		Num: []bool{false, false, false, true, true, true, true, true, true, true, true, false}}
	var bars report.ErrorBars
	for _, x := range c.Rows {
		ci := "–"
		if !math.IsNaN(x.Lo) {
			ci = "[" + pp(x.Lo) + ", " + pp(x.Hi) + "]"
		}
		roi := "–"
		if !math.IsNaN(x.ROI) {
			roi = v.Pct(x.ROI)
		}
		srm := ""
		if x.SRM {
			srm = v.T("srm_flag")
		}
		name := x.rowName()
		if !x.Complete {
			name += " *"
		}
		t.Rows = append(t.Rows, []string{name, v.Name(x.Evidence), v.Name(x.Group), v.Int(x.Members), v.Pct(x.Conversion), pp(x.Uplift), ci, pv(x.P),
			money(x.RPM), money(x.Incremental), roi, srm})
		if !math.IsNaN(x.Lo) {
			bars.Labels = append(bars.Labels, name)
			bars.Est, bars.Lo, bars.Hi = append(bars.Est, x.Uplift), append(bars.Lo, x.Lo), append(bars.Hi, x.Hi)
		}
	}
	s.Tables = []report.Table{t}
	if len(bars.Labels) > 0 {
		bars.Name, bars.Label, bars.Value = "campaign_uplift", v.T("campaign_uplift"), pp
		bars.XTitle, bars.YTitle = v.Unit(v.T("uplift"), v.T("pp")), v.T("campaign_axis_rows")
		s.Charts = []report.Chart{{Title: v.T("campaign_uplift"), SVG: bars.SVG()}}
	}
	if len(c.Funnel) > 0 {
		ft := report.Table{Caption: v.T("upgrade_funnel"), Head: []string{v.T("campaign"), v.T("group"), v.T("step"), v.T("members"), v.T("of_flagged"), v.T("of_previous"), v.T("uplift"), "p"},
			Num: []bool{false, false, false, true, true, true, true, true}}
		pct := func(x float64) string {
			if math.IsNaN(x) {
				return "–"
			}
			return v.Pct(x)
		}
		for _, x := range c.Funnel {
			ft.Rows = append(ft.Rows, []string{x.Campaign, v.Name(x.Group), v.Name(x.Step), v.Int(x.Members), pct(x.OfFlagged), pct(x.OfPrev), pp(x.Uplift), pv(x.UpliftP)})
		}
		s.Tables = append(s.Tables, ft)
	}
	return s
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"campaigns":                   "Campaigns",
		"campaigns_note":              "Uplift = treatment minus control (randomised) or the difference in differences against matched non-targeted members (pre_post, weaker evidence), over the attribution window after assignment; 95% interval and two-sided p. SRM: the split is unlikely under the intended share (p < 0.001). * window still open at this as_of. Definitions: models/README.md.",
		"campaign":                    "Campaign",
		"evidence":                    "Evidence",
		"group":                       "Group",
		"conversion":                  "Conversion",
		"uplift":                      "Uplift",
		"ci95":                        "95% interval",
		"revenue_per_member":          "Revenue per member",
		"incremental_revenue":         "Incremental revenue",
		"roi":                         "ROI",
		"srm":                         "SRM",
		"srm_flag":                    "mismatch",
		"campaign_uplift":             "Conversion uplift with 95% interval",
		"upgrade_funnel":              "Upgrade funnel of members flagged near an upgrade",
		"step":                        "Step",
		"of_flagged":                  "Of flagged",
		"of_previous":                 "Of previous step",
		"v.randomised":                "randomised",
		"v.pre_post":                  "pre/post",
		"v.treatment":                 "treatment",
		"v.control":                   "control",
		"v.matched":                   "matched",
		"v.flagged":                   "flagged",
		"v.reached":                   "reached",
		"v.purchased":                 "purchased",
		"v.upgraded":                  "upgraded",
		"no_campaigns":                "No campaigns with assignments for this date (campaign_members): the campaigns model ran and found none to measure.",
		"def_attribution_window":      "Attribution window",
		"def_attribution_window_text": "outcomes count from assignment for this many days (models.campaigns.window_days)",
		"def_uplift_text":             "treatment minus control conversion (or the difference in differences against matched members), in percentage points, with its 95% interval",
		"def_srm_text":                "sample ratio mismatch: the groups' split is unlikely under the intended treatment share (p < 0.001)",
		"campaign_axis_rows":          "Campaign · group",
	},
	report.Chinese: {
		"campaigns":                   "营销活动",
		"campaigns_note":              "提升 = 实验组减对照组（随机对照），或与匹配的未触达会员的双重差分（前后对比，证据较弱）；按分配后的归因窗口计算，95% 区间与双侧 p 值。SRM：分组比例与计划比例不符（p < 0.001）。* 表示该日归因窗口尚未结束。定义见 models/README.md。",
		"campaign":                    "活动",
		"evidence":                    "证据类型",
		"group":                       "组别",
		"conversion":                  "转化率",
		"uplift":                      "提升",
		"ci95":                        "95% 区间",
		"revenue_per_member":          "人均销售额",
		"incremental_revenue":         "增量销售额",
		"roi":                         "投资回报率",
		"srm":                         "样本比例",
		"srm_flag":                    "不符",
		"campaign_uplift":             "转化率提升及 95% 区间",
		"upgrade_funnel":              "临近升级会员的升级漏斗",
		"step":                        "步骤",
		"of_flagged":                  "占标记会员",
		"of_previous":                 "占上一步",
		"v.randomised":                "随机对照",
		"v.pre_post":                  "前后对比",
		"v.treatment":                 "实验组",
		"v.control":                   "对照组",
		"v.matched":                   "匹配组",
		"v.flagged":                   "已标记",
		"v.reached":                   "已触达",
		"v.purchased":                 "已购买",
		"v.upgraded":                  "已升级",
		"no_campaigns":                "该日期没有已分配成员的营销活动（campaign_members）：营销活动模型已运行，没有可评估的活动。",
		"def_attribution_window":      "归因窗口",
		"def_attribution_window_text": "自分配起计入结果的天数（models.campaigns.window_days）",
		"def_uplift_text":             "实验组减对照组的转化率（或与匹配会员的双重差分），单位为百分点，附 95% 区间",
		"def_srm_text":                "样本比例不符：按计划的实验组比例，各组的实际划分不太可能出现（p < 0.001）",
		"campaign_axis_rows":          "活动 · 分组",
	},
}
