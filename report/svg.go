package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The charts are SVG written here, on the server: no JavaScript, no fonts
// and no network, so the page is small, works offline and prints as is.
// Every chart is an <svg class="chart" data-chart=NAME> element; each mark
// has a <title> that browsers show as a tooltip.

// palette holds the series colours (colour-blind safe, Okabe-Ito based).
var palette = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999"}

// esc escapes text for SVG/HTML.
func esc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts a chart of the given size.
func svgOpen(b *strings.Builder, name, label string, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" data-chart="%s" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`, esc(name), esc(label), w, h, w, h)
	fmt.Fprintf(b, `<title>%s</title>`, esc(label))
}

// HeatMap is a grid of cells shaded by value.
type HeatMap struct {
	// Name identifies the chart in the page (data-chart).
	Name, Label string
	Rows, Cols  []string
	// RowTitle and ColTitle label the axes.
	RowTitle, ColTitle string
	// Values[i][j] is the cell of Rows[i] and Cols[j]; NaN leaves it blank.
	Values [][]float64
	// Text writes a cell's value.
	Text func(float64) string
	// Tip, when set, writes a cell's tooltip; the default is Text.
	Tip func(i, j int) string
}

// SVG draws the heat map.
func (h HeatMap) SVG() template.HTML {
	const cw, ch, left, top = 76, 30, 130, 46
	w := left + cw*len(h.Cols) + 10
	hgt := top + ch*len(h.Rows) + 10
	var b strings.Builder
	svgOpen(&b, h.Name, h.Label, w, hgt)
	maxV := 0.0
	for _, row := range h.Values {
		for _, v := range row {
			if !math.IsNaN(v) && v > maxV {
				maxV = v
			}
		}
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%d" y="14">%s</text>`, left, esc(h.ColTitle))
	// The row title sits on the line of the column ticks, left of them,
	// so that a long one does not run into the column title.
	fmt.Fprintf(&b, `<text class="axis-title" x="4" y="%d">%s</text>`, top-8, esc(h.RowTitle))
	for j, c := range h.Cols {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="middle">%s</text>`, left+cw*j+cw/2, top-8, esc(c))
	}
	for i, r := range h.Rows {
		y := top + ch*i
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+ch/2+4, esc(r))
		for j := range h.Cols {
			v := math.NaN()
			if i < len(h.Values) && j < len(h.Values[i]) {
				v = h.Values[i][j]
			}
			x := left + cw*j
			if math.IsNaN(v) {
				fmt.Fprintf(&b, `<rect class="cell empty" x="%d" y="%d" width="%d" height="%d" fill="#f4f5f7"/>`, x+1, y+1, cw-2, ch-2)
				continue
			}
			t := 0.0
			if maxV > 0 {
				t = v / maxV
			}
			fill, ink := shade(t)
			tip := h.Text(v)
			if h.Tip != nil {
				tip = h.Tip(i, j)
			}
			fmt.Fprintf(&b, `<rect class="cell" x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s"><title>%s</title></rect>`, x+1, y+1, cw-2, ch-2, fill, esc(tip))
			fmt.Fprintf(&b, `<text class="cell-text" x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, x+cw/2, y+ch/2+4, ink, esc(h.Text(v)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// shade maps t in [0, 1] to a blue from light to dark, and an ink colour
// that stays readable on it.
func shade(t float64) (fill, ink string) {
	t = math.Max(0, math.Min(1, t))
	lo := [3]float64{239, 246, 255}
	hi := [3]float64{8, 69, 148}
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(lo[k] + (hi[k]-lo[k])*t))
	}
	ink = "#1b1f24"
	if t > 0.55 {
		ink = "#ffffff"
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]), ink
}

// Series is one named list of values, one per category.
type Series struct {
	Name   string
	Values []float64
}

// Bars is a vertical bar chart with one or more series per category.
type Bars struct {
	Name, Label string
	Categories  []string
	Series      []Series
	// Value writes a value for ticks and tooltips.
	Value func(float64) string
	// Lines draws the series as lines with points instead of bars.
	Lines bool
	// XTitle and YTitle name the axes, units included ("Members",
	// "Predicted CLV (¥)"); empty leaves an axis unnamed.
	XTitle, YTitle string
	// Dense fits many categories (a long time series) into about
	// denseWidth pixels and labels only as many of them as fit.
	Dense bool
}

// denseWidth is the plot width of a Dense chart with many categories.
const denseWidth = 720

// SVG draws the chart.
func (c Bars) SVG() template.HTML {
	const left, right, top, bottom, plotH = 78, 12, 28, 52, 200
	n := len(c.Categories)
	slot := 44
	for _, cat := range c.Categories {
		slot = max(slot, 7*len([]rune(cat))+10)
	}
	if len(c.Series) > 1 && slot < 30*len(c.Series) {
		slot = 30 * len(c.Series)
	}
	if n*slot < 360 {
		slot = 360 / max(n, 1)
	}
	labelEvery := 1
	if c.Dense && n*slot > denseWidth {
		wide := slot
		slot = max(denseWidth/n, 2)
		labelEvery = (wide + slot - 1) / slot
	}
	w := left + n*slot + right
	h := top + plotH + bottom
	var b strings.Builder
	svgOpen(&b, c.Name, c.Label, w, h)
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && v > maxV {
				maxV = v
			}
		}
	}
	step := niceStep(maxV / 4)
	if maxV <= 0 {
		step = 1
	}
	top4 := step * math.Ceil(math.Max(maxV, step)/step)
	y := func(v float64) float64 { return top + plotH - v/top4*plotH }
	for v := 0.0; v <= top4*1.0001; v += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, left-6, y(v)+4, esc(c.Value(v)))
	}
	for i, cat := range c.Categories {
		if i%labelEvery != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="middle">%s</text>`, left+slot*i+slot/2, top+plotH+16, esc(cat))
	}
	if c.Lines {
		for k, s := range c.Series {
			col := palette[k%len(palette)]
			var pts []string
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					continue
				}
				pts = append(pts, fmt.Sprintf("%d,%.1f", left+slot*i+slot/2, y(v)))
			}
			fmt.Fprintf(&b, `<polyline class="series" fill="none" stroke="%s" stroke-width="2.5" points="%s"/>`, col, strings.Join(pts, " "))
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					continue
				}
				fmt.Fprintf(&b, `<circle class="mark" cx="%d" cy="%.1f" r="4" fill="%s"><title>%s · %s: %s</title></circle>`, left+slot*i+slot/2, y(v), col, esc(c.Categories[i]), esc(s.Name), esc(c.Value(v)))
			}
		}
	} else {
		bw := float64(slot-10) / float64(len(c.Series))
		for k, s := range c.Series {
			col := palette[k%len(palette)]
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					continue
				}
				x := float64(left+slot*i+5) + bw*float64(k)
				hh := math.Max(float64(top+plotH)-y(v), 0)
				if v > 0 && hh < 1 {
					hh = 1
				}
				fmt.Fprintf(&b, `<rect class="mark" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s · %s: %s</title></rect>`, x, float64(top+plotH)-hh, bw-1, hh, col, esc(c.Categories[i]), esc(s.Name), esc(c.Value(v)))
			}
		}
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, left, w-right, top+plotH, top+plotH)
	if c.XTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title x-title" x="%d" y="%d" text-anchor="middle">%s</text>`, left+n*slot/2, top+plotH+38, esc(c.XTitle))
	}
	if c.YTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title y-title" transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text>`, top+plotH/2, esc(c.YTitle))
	}
	if len(c.Series) > 1 {
		x := left
		for k, s := range c.Series {
			fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="12" fill="%s"/><text class="legend" x="%d" y="16">%s</text>`, x, palette[k%len(palette)], x+16, esc(s.Name))
			x += 24 + 9*len([]rune(s.Name))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// FlowChart draws members moving between two states: the previous state on the
// left, the current one on the right, bands between them as wide as the
// number of members.
type FlowChart struct {
	Name, Label string
	From, To    []string
	// Counts[i][j] members went from From[i] to To[j].
	Counts [][]float64
	Value  func(float64) string
	// Label of a state.
	State func(string) string
	// FromTitle and ToTitle head the left and right columns ("2026-11-13",
	// "2026-11-20"); empty leaves them unnamed.
	FromTitle, ToTitle string
}

// SVG draws the flow.
func (f FlowChart) SVG() template.HTML {
	const w, h, top, gap, nodeW, labelW = 760, 356, 26, 8, 14, 150
	var b strings.Builder
	svgOpen(&b, f.Name, f.Label, w, h)
	if f.FromTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title x-title" x="%d" y="14" text-anchor="end">%s</text>`, labelW+nodeW, esc(f.FromTitle))
	}
	if f.ToTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title x-title" x="%d" y="14">%s</text>`, w-labelW-nodeW, esc(f.ToTitle))
	}
	outs := make([]float64, len(f.From))
	ins := make([]float64, len(f.To))
	total := 0.0
	for i, row := range f.Counts {
		for j, v := range row {
			outs[i] += v
			ins[j] += v
			total += v
		}
	}
	if total == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	scaleFor := func(vals []float64) float64 {
		k := 0
		for _, v := range vals {
			if v > 0 {
				k++
			}
		}
		return (float64(h-2*top) - float64(gap*max(k-1, 0))) / total
	}
	scale := math.Min(scaleFor(outs), scaleFor(ins))
	place := func(vals []float64) []float64 {
		ys := make([]float64, len(vals))
		yy := float64(top)
		for i, v := range vals {
			ys[i] = yy
			if v > 0 {
				yy += v*scale + gap
			}
		}
		return ys
	}
	ly, ry := place(outs), place(ins)
	xl, xr := float64(labelW), float64(w-labelW)
	lOff := append([]float64(nil), ly...)
	rOff := append([]float64(nil), ry...)
	for i, row := range f.Counts {
		for j, v := range row {
			if v <= 0 {
				continue
			}
			t := v * scale
			y0, y1 := lOff[i], rOff[j]
			lOff[i] += t
			rOff[j] += t
			mx := (xl + xr) / 2
			col := palette[j%len(palette)]
			fmt.Fprintf(&b, `<path class="band" d="M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f L%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f Z" fill="%s" fill-opacity="0.35"><title>%s → %s: %s</title></path>`,
				xl+nodeW, y0, mx, y0, mx, y1, xr-nodeW, y1, xr-nodeW, y1+t, mx, y1+t, mx, y0+t, xl+nodeW, y0+t, col,
				esc(f.State(f.From[i])), esc(f.State(f.To[j])), esc(f.Value(v)))
		}
	}
	for i, v := range outs {
		if v <= 0 {
			continue
		}
		fmt.Fprintf(&b, `<rect class="node" x="%.1f" y="%.1f" width="%d" height="%.1f" fill="#5b6675"><title>%s: %s</title></rect>`, xl, ly[i], nodeW, math.Max(v*scale, 1), esc(f.State(f.From[i])), esc(f.Value(v)))
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s · %s</text>`, xl-6, ly[i]+v*scale/2+4, esc(f.State(f.From[i])), esc(f.Value(v)))
	}
	for j, v := range ins {
		if v <= 0 {
			continue
		}
		fmt.Fprintf(&b, `<rect class="node" x="%.1f" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s: %s</title></rect>`, xr-nodeW, ry[j], nodeW, math.Max(v*scale, 1), palette[j%len(palette)], esc(f.State(f.To[j])), esc(f.Value(v)))
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f">%s · %s</text>`, xr+6, ry[j]+v*scale/2+4, esc(f.State(f.To[j])), esc(f.Value(v)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ErrorBars draws one horizontal interval per label: the estimate as a
// dot, its interval as a bar, and a vertical line at zero.
type ErrorBars struct {
	Name, Label string
	Labels      []string
	Est, Lo, Hi []float64
	Value       func(float64) string
	// XTitle names the value axis, unit included; YTitle the rows.
	XTitle, YTitle string
}

// SVG draws the error bars.
func (e ErrorBars) SVG() template.HTML {
	const left, right, rowH, top, titleH = 140, 30, 28, 10, 22
	w := 640
	h := top + rowH*len(e.Labels) + 30 + titleH
	lo, hi := 0.0, 0.0
	for i := range e.Labels {
		lo, hi = math.Min(lo, e.Lo[i]), math.Max(hi, e.Hi[i])
	}
	if hi == lo {
		hi = lo + 1
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	x := func(v float64) float64 { return left + (v-lo)/(hi-lo)*float64(w-left-right) }
	var b strings.Builder
	svgOpen(&b, e.Name, e.Label, w, h)
	base := h - titleH // the tick labels' baseline is 10 above it
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-dasharray="3,3"/>`, x(0), top, x(0), base-24)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">0</text>`, x(0), base-10)
	for _, v := range []float64{lo + pad, hi - pad} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%s</text>`, x(v), base-10, esc(e.Value(v)))
	}
	if e.XTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title x-title" x="%d" y="%d" text-anchor="middle">%s</text>`, left+(w-left-right)/2, h-6, esc(e.XTitle))
	}
	if e.YTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title y-title" transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text>`, top+rowH*len(e.Labels)/2, esc(e.YTitle))
	}
	for i, name := range e.Labels {
		y := top + rowH*i + rowH/2
		tip := fmt.Sprintf("%s: %s [%s, %s]", name, e.Value(e.Est[i]), e.Value(e.Lo[i]), e.Value(e.Hi[i]))
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(tip))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end" dominant-baseline="middle">%s</text>`, left-8, y, esc(name))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`, x(e.Lo[i]), y, x(e.Hi[i]), y, palette[0])
		for _, v := range []float64{e.Lo[i], e.Hi[i]} {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`, x(v), y-5, x(v), y+5, palette[0])
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="4" fill="%s"/></g>`, x(e.Est[i]), y, palette[1])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
