package categoryaffinity

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the category preference section of the report: members per
// preferred top-level category and tier (the tiers model's tiers), as a
// category x tier heat map.
var Section = report.NewSection(report.SectionSpec{
	ID: "category",
	Sources: []report.Source{
		{Model: "category_affinity", Table: "category_affinity", Columns: []string{"as_of", "member_id", "level", "category", "is_preferred"}},
		{Model: "tiers", Table: "tiers", Columns: []string{"as_of", "member_id", "tier", "tier_rank"}},
	},
	Queries: query.MustParse("category_affinity_report", reportSrc),
	Labels:  labels,
	Place:   220,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *CategoryAffinity) ReportSection() report.Section { return Section }

// Figures are what the section shows: members per preferred top-level
// category and tier.
type Figures struct {
	Missing []report.Missing
	// Categories are the preferred categories, most members first; Tiers
	// the tiers from the entry level up.
	Categories, Tiers []string
	// Members[i][j] counts the members of Tiers[j] whose preferred
	// top-level category is Categories[i].
	Members [][]float64
}

// read loads the members per preferred category and tier of the as_of.
func read(ctx context.Context, in *report.Input) (*Figures, error) {
	c := &Figures{}
	if c.Missing, _ = in.Need("category_affinity", "tiers"); c.Missing != nil {
		return c, nil
	}
	type cell struct {
		cat, tier     string
		level, counts float64
	}
	var cells []cell
	err := in.Each(ctx, "category_tier", func(scan func(...any) error) error {
		var x cell
		if err := scan(&x.cat, &x.tier, &x.level, &x.counts); err != nil {
			return err
		}
		cells = append(cells, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	catTotal, tierLevel := map[string]float64{}, map[string]float64{}
	for _, x := range cells {
		catTotal[x.cat] += x.counts
		tierLevel[x.tier] = x.level
	}
	for k := range catTotal {
		c.Categories = append(c.Categories, k)
	}
	sort.Slice(c.Categories, func(i, j int) bool {
		a, b := c.Categories[i], c.Categories[j]
		return catTotal[a] > catTotal[b] || catTotal[a] == catTotal[b] && a < b
	})
	for k := range tierLevel {
		c.Tiers = append(c.Tiers, k)
	}
	sort.Slice(c.Tiers, func(i, j int) bool {
		a, b := c.Tiers[i], c.Tiers[j]
		return tierLevel[a] < tierLevel[b] || tierLevel[a] == tierLevel[b] && a < b
	})
	ci, ti := index(c.Categories), index(c.Tiers)
	c.Members = make([][]float64, len(c.Categories))
	for i := range c.Members {
		c.Members[i] = make([]float64, len(c.Tiers))
	}
	for _, x := range cells {
		c.Members[ci[x.cat]][ti[x.tier]] += x.counts
	}
	return c, nil
}

func index(xs []string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[x] = i
	}
	return m
}

func build(c *Figures, v report.View) []report.Block {
	return []report.Block{block(c, v)}
}

// block draws the category x tier heat map: each cell is the share of
// the tier's members (with a preferred category) who prefer the
// category, so tiers of different sizes compare; the tooltip gives the
// count.
func block(c *Figures, v report.View) report.Block {
	s := report.Block{ID: "category", Title: v.T("category"), Notices: v.Notices(c.Missing)}
	if s.Notices != nil {
		return s
	}
	s.Defs = defs(v)
	if len(c.Categories) == 0 {
		s.Note = v.T("category_none")
		return s
	}
	tierTotal := make([]float64, len(c.Tiers))
	for _, row := range c.Members {
		for j, x := range row {
			tierTotal[j] += x
		}
	}
	shares := make([][]float64, len(c.Members))
	for i, row := range c.Members {
		shares[i] = make([]float64, len(row))
		for j, x := range row {
			shares[i][j] = math.NaN()
			if tierTotal[j] > 0 {
				shares[i][j] = x / tierTotal[j]
			}
		}
	}
	tip := func(i, j int) string {
		return c.Categories[i] + " · " + c.Tiers[j] + ": " + v.Int(c.Members[i][j]) + " " + v.T("members") + " (" + v.Pct(shares[i][j]) + ")"
	}
	s.Charts = []report.Chart{{Title: v.T("category_by_tier"), SVG: report.HeatMap{Name: "category_tier", Label: v.T("category_by_tier"),
		Rows: c.Categories, Cols: c.Tiers, RowTitle: v.T("preferred_category"), ColTitle: v.T("category_tier"),
		Values: shares, Text: v.Pct, Tip: tip}.SVG()}}
	s.Note = v.T("category_note")
	return s
}

// defs are the section's definitions.
func defs(v report.View) []report.Def {
	return []report.Def{
		{Term: v.T("def_window"), Value: v.Param("category_affinity", "window_days", v.Days) + " · " + v.T("def_category_window")},
		{Term: v.T("def_min_orders"), Value: v.Param("category_affinity", "min_orders", func(x float64) string { return fmt.Sprintf(v.T("n_orders"), v.Int(x)) }) + " · " + v.T("def_min_orders_text")},
		{Term: v.T("def_category_cell"), Value: v.T("def_category_cell_text")},
	}
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"category":               "Category preference",
		"category_by_tier":       "Preferred category by tier (share of the tier's members)",
		"preferred_category":     "Preferred category",
		"category_tier":          "Tier",
		"category_note":          "Each member's preferred top-level category (model category_affinity: the highest affinity index with the minimum support); members without one are left out.",
		"def_category_window":    "paid orders with their lines (models.category_affinity.window_days)",
		"def_min_orders":         "Minimum support",
		"def_min_orders_text":    "a preferred category has at least this many orders with a line in it (models.category_affinity.min_orders)",
		"n_orders":               "%s orders",
		"def_category_cell":      "Cell",
		"def_category_cell_text": "share of the tier's members with a preferred category who prefer the row's category",
		"category_none":          "No member has a preferred category at this as_of: category_affinity ran and found no order lines (items) with the minimum support in its window.",
	},
	report.Chinese: {
		"category":               "品类偏好",
		"category_by_tier":       "各等级的偏好品类（占该等级会员的比例）",
		"preferred_category":     "偏好品类",
		"category_tier":          "会员等级",
		"category_note":          "每位会员偏好的一级品类（模型 category_affinity：达到最低支持度的最高亲和指数）；没有偏好品类的会员不计入。",
		"def_category_window":    "含订单明细的已支付订单（models.category_affinity.window_days）",
		"def_min_orders":         "最低支持度",
		"def_min_orders_text":    "偏好品类至少有这么多笔包含该品类的订单（models.category_affinity.min_orders）",
		"n_orders":               "%s 笔订单",
		"def_category_cell":      "单元格",
		"def_category_cell_text": "该等级中有偏好品类的会员里，偏好该行品类的比例",
		"category_none":          "该数据日期没有会员有偏好品类：category_affinity 已运行，但其窗口内没有达到最低支持度的订单明细（items）。",
	},
}
