package rfm

import (
	"fmt"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// Params are the rfm model's parameters, config key models.rfm.
type Params struct {
	// WindowDays is the frequency and monetary window ending at as_of.
	WindowDays int `yaml:"window_days"`
	// TrendDays is the length of each of the two periods the AOV trend compares.
	TrendDays int `yaml:"trend_days"`
	// Segments maps (R score, F score) cells to named segments; the first
	// rule containing a cell wins and every one of the 25 cells must be covered.
	Segments []Segment `yaml:"segments"`
	// ValueLayers names the value layer of monetary scores 1..5 (5 entries).
	ValueLayers []string `yaml:"value_layers"`
	// LapsedSegment names the segment of lapsed buyers: buyers with no paid
	// order in the window, who are not scored (scores 0) and whose value
	// layer is the lowest. It must differ from every R/F map segment.
	LapsedSegment string `yaml:"lapsed_segment"`
}

// Segment is one rule of the R/F map: R and F scores within [min, max].
type Segment struct {
	Name string `yaml:"name"`
	R    []int  `yaml:"r"`
	F    []int  `yaml:"f"`
}

// DefaultParams returns the parameters a config without models.rfm gets:
// the classic R/F grid, where Lost is the coldest corner of Hibernating.
func DefaultParams() Params {
	return Params{
		WindowDays: 365,
		TrendDays:  90,
		Segments: []Segment{
			{Name: "Champions", R: []int{5, 5}, F: []int{4, 5}},
			{Name: "Loyal", R: []int{3, 4}, F: []int{4, 5}},
			{Name: "Potential Loyalist", R: []int{4, 5}, F: []int{2, 3}},
			{Name: "New", R: []int{5, 5}, F: []int{1, 1}},
			{Name: "Promising", R: []int{4, 4}, F: []int{1, 1}},
			{Name: "Need Attention", R: []int{3, 3}, F: []int{3, 3}},
			{Name: "About to Sleep", R: []int{3, 3}, F: []int{1, 2}},
			{Name: "Can't Lose Them", R: []int{1, 2}, F: []int{5, 5}},
			{Name: "At Risk", R: []int{1, 2}, F: []int{3, 4}},
			{Name: "Lost", R: []int{1, 1}, F: []int{1, 1}},
			{Name: "Hibernating", R: []int{1, 2}, F: []int{1, 2}},
		},
		ValueLayers:   []string{"low", "mid-low", "mid-low", "mid-high", "high"},
		LapsedSegment: "Lapsed",
	}
}

// Validate returns every problem of p as config.Errors naming
// models.rfm.<field>, or nil.
func (p Params) Validate() error {
	var errs config.Errors
	add := errs.Add
	if p.WindowDays < 1 {
		add("models.rfm.window_days", "must be at least 1, got %d", p.WindowDays)
	}
	if p.TrendDays < 1 {
		add("models.rfm.trend_days", "must be at least 1, got %d", p.TrendDays)
	}
	var covered [5][5]bool
	for i, s := range p.Segments {
		key := fmt.Sprintf("models.rfm.segments[%d]", i)
		if s.Name == "" {
			add(key+".name", "must not be empty")
		}
		ok := true
		for _, b := range []struct {
			k string
			v []int
		}{{"r", s.R}, {"f", s.F}} {
			if len(b.v) != 2 || b.v[0] < 1 || b.v[1] > 5 || b.v[0] > b.v[1] {
				add(key+"."+b.k, "must be [min, max] with 1 <= min <= max <= 5, got %v", b.v)
				ok = false
			}
		}
		if ok {
			for r := s.R[0]; r <= s.R[1]; r++ {
				for f := s.F[0]; f <= s.F[1]; f++ {
					covered[r-1][f-1] = true
				}
			}
		}
	}
	for r := 0; r < 5; r++ {
		for f := 0; f < 5; f++ {
			if !covered[r][f] {
				add("models.rfm.segments", "cell r=%d f=%d is not covered by any segment", r+1, f+1)
				r, f = 5, 5
			}
		}
	}
	if p.LapsedSegment == "" {
		add("models.rfm.lapsed_segment", "must not be empty")
	}
	for _, s := range p.Segments {
		if s.Name == p.LapsedSegment && s.Name != "" {
			add("models.rfm.lapsed_segment", "must differ from the R/F map segments, got %q", s.Name)
			break
		}
	}
	if len(p.ValueLayers) != 5 {
		add("models.rfm.value_layers", "must name 5 layers (monetary scores 1..5), got %d", len(p.ValueLayers))
	}
	return errs.Err()
}

// FromConfig decodes section (models.rfm) over DefaultParams and returns
// the model, or the section's problems naming models.rfm.<field>.
func FromConfig(section config.Params) (*RFM, error) {
	p := DefaultParams()
	if err := section.Decode("models.rfm", &p); err != nil {
		return nil, err
	}
	return New(p)
}
