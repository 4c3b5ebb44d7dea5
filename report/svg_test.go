package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestCharts(t *testing.T) {
	t.Parallel()
	f := Format{}
	tests := []struct {
		name      string
		svg       string
		wantMarks int
		mark      string
	}{
		{"heat map skips NaN cells", string(HeatMap{Name: "h", Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Values: [][]float64{{1, math.NaN()}, {0, 4}}, Text: f.Int}.SVG()), 3, `class="cell"`},
		{"bars one per value", string(Bars{Name: "b", Categories: []string{"a", "b", "c"}, Series: []Series{{"s", []float64{1, 2, 3}}, {"t", []float64{3, 2, math.NaN()}}}, Value: f.Int}.SVG()), 5, `class="mark"`},
		{"lines one point per value", string(Bars{Name: "l", Categories: []string{"1", "2"}, Series: []Series{{"p", []float64{0.1, 0.2}}}, Value: f.Pct, Lines: true}.SVG()), 2, `<circle class="mark"`},
		{"a zero bar is a mark of no height", string(Bars{Name: "z", Categories: []string{"a"}, Series: []Series{{"s", []float64{0}}}, Value: f.Int}.SVG()), 1, `class="mark"`},
		{"flow bands", string(FlowChart{Name: "f", From: []string{"", "a"}, To: []string{"a", "b"}, Counts: [][]float64{{1, 0}, {2, 3}}, Value: f.Int, State: English.Name}.SVG()), 3, `class="band"`},
		{"empty flow", string(FlowChart{Name: "e", From: []string{""}, To: []string{"a"}, Counts: [][]float64{{0}}, Value: f.Int, State: English.Name}.SVG()), 0, `class="band"`},
		{"error bars one estimate per label", string(ErrorBars{Name: "u", Labels: []string{"a", "b"}, Est: []float64{0.02, -0.01}, Lo: []float64{0.01, -0.03}, Hi: []float64{0.03, 0.01}, Value: f.Pct, XTitle: "x", YTitle: "y"}.SVG()), 2, `<circle`},
	}
	for _, tt := range tests {
		if got := strings.Count(tt.svg, tt.mark); got != tt.wantMarks {
			t.Errorf("%s: %d marks %s, want %d", tt.name, got, tt.mark, tt.wantMarks)
		}
		if !strings.HasPrefix(tt.svg, `<svg class="chart"`) || !strings.HasSuffix(tt.svg, "</svg>") {
			t.Errorf("%s: not one svg element", tt.name)
		}
		if strings.Contains(tt.svg, "NaN") || strings.Contains(tt.svg, "Inf") {
			t.Errorf("%s: NaN or Inf in the SVG", tt.name)
		}
	}
}

func TestDenseBarsFitAYearOfDays(t *testing.T) {
	t.Parallel()
	var cats []string
	var vals []float64
	for i := 0; i < 365; i++ {
		cats = append(cats, fmt.Sprintf("2026-%03d", i))
		vals = append(vals, float64(i))
	}
	svg := string(Bars{Name: "d", Categories: cats, Series: []Series{{"s", vals}}, Value: Format{}.Int, Lines: true, Dense: true}.SVG())
	var w int
	if _, err := fmt.Sscanf(svg[strings.Index(svg, `width="`):], `width="%d"`, &w); err != nil {
		t.Fatal(err)
	}
	labels := strings.Count(svg, `class="tick" x=`) - strings.Count(svg, `text-anchor="end"`)
	if w > denseWidth+100 || strings.Count(svg, `<circle class="mark"`) != 365 || labels > 20 || labels < 5 {
		t.Errorf("dense chart: width %d, %d points, %d category labels; want <= %d px, 365 points, 5-20 labels", w, strings.Count(svg, `<circle class="mark"`), labels, denseWidth+100)
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want float64 }{{0, 1}, {-3, 1}, {0.3, 0.5}, {7, 10}, {12, 20}, {150, 200}, {math.Inf(1), 1}, {math.NaN(), 1}} {
		if got := niceStep(tt.in); got != tt.want {
			t.Errorf("niceStep(%g) = %g, want %g", tt.in, got, tt.want)
		}
	}
}
