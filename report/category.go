package report

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// Category is the category preference section: members per preferred
// top-level category (model category_affinity) and tier.
type Category struct {
	Missing []Missing
	// Categories are the preferred categories, most members first; Tiers
	// the tiers from the entry level up.
	Categories, Tiers []string
	// Members[i][j] counts the members of Tiers[j] whose preferred
	// top-level category is Categories[i].
	Members [][]float64
}

// category loads the Category section.
func (l *loader) category(ctx context.Context, r *Report) error {
	c := &r.Category
	c.Missing, _ = l.need("category_affinity", "tiers")
	if c.Missing != nil {
		return nil
	}
	type cell struct {
		cat, tier     string
		level, counts float64
	}
	var cells []cell
	err := l.each(ctx, "category", l.args(), func(scan func(...any) error) error {
		var x cell
		if err := scan(&x.cat, &x.tier, &x.level, &x.counts); err != nil {
			return err
		}
		cells = append(cells, x)
		return nil
	})
	if err != nil {
		return err
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
	return nil
}

func index(xs []string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[x] = i
	}
	return m
}

// categorySection draws the category x tier heat map: each cell is the
// share of the tier's members (with a preferred category) who prefer the
// category, so tiers of different sizes compare; the tooltip gives the
// count.
func categorySection(r *Report, f Format) Block {
	l := f.Lang
	c := r.Category
	s := Block{ID: "category", Title: l.T("category"), Notices: notices(l, c.Missing)}
	if s.Notices != nil {
		return s
	}
	s.Defs = categoryDefs(r, f)
	if len(c.Categories) == 0 {
		s.Note = l.T("category_none")
		return s
	}
	tierTotal := make([]float64, len(c.Tiers))
	for _, row := range c.Members {
		for j, v := range row {
			tierTotal[j] += v
		}
	}
	shares := make([][]float64, len(c.Members))
	for i, row := range c.Members {
		shares[i] = make([]float64, len(row))
		for j, v := range row {
			shares[i][j] = math.NaN()
			if tierTotal[j] > 0 {
				shares[i][j] = v / tierTotal[j]
			}
		}
	}
	tip := func(i, j int) string {
		return c.Categories[i] + " · " + c.Tiers[j] + ": " + f.Int(c.Members[i][j]) + " " + l.T("members") + " (" + f.Pct(shares[i][j]) + ")"
	}
	s.Charts = []Chart{{l.T("category_by_tier"), HeatMap{Name: "category_tier", Label: l.T("category_by_tier"),
		Rows: c.Categories, Cols: c.Tiers, RowTitle: l.T("preferred_category"), ColTitle: l.T("category_tier"),
		Values: shares, Text: f.Pct, Tip: tip}.SVG()}}
	s.Note = l.T("category_note")
	return s
}

// categoryDefs are the category section's definitions.
func categoryDefs(r *Report, f Format) []Def {
	l := f.Lang
	return []Def{
		{l.T("def_window"), param(r, f, "category_affinity", "window_days", days(f)) + " · " + l.T("def_category_window")},
		{l.T("def_min_orders"), param(r, f, "category_affinity", "min_orders", func(v float64) string { return fmt.Sprintf(l.T("n_orders"), f.Int(v)) }) + " · " + l.T("def_min_orders_text")},
		{l.T("def_category_cell"), l.T("def_category_cell_text")},
	}
}
