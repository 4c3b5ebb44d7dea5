package datagen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurchaseRateScale checks that PurchaseRateScale (with a larger
// Purchase.B, as scripts/bench-models.sh uses it) raises the number of
// orders, stays a BG/NBD process whose closed-form checks hold, and is
// recorded in truth.json; and that scales 0 and 1 write the same bytes as
// leaving it unset.
func TestPurchaseRateScale(t *testing.T) {
	const members = 3000
	base := mustGenerate(t, smallOptions(t, FormatCSV, members))

	tests := []struct {
		name       string
		scale, b   float64
		minPerBase float64 // orders must be at least this multiple of the default's
	}{
		{"rate only", 10, 2.4, 2},
		{"rate and later dropout", 10, 19.2, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := smallOptions(t, FormatCSV, members)
			o.PurchaseRateScale = tt.scale
			o.Purchase.B = tt.b
			sum := mustGenerate(t, o)
			got, want := sum.Truth.Counts.Orders, base.Truth.Counts.Orders
			if float64(got) < tt.minPerBase*float64(want) {
				t.Errorf("orders = %d at scale %g, b %g; want at least %gx the default's %d", got, tt.scale, tt.b, tt.minPerBase, want)
			}
			for _, f := range sum.Files {
				if f.Table == "orders" && f.Rows != got {
					t.Errorf("orders file has %d rows, truth counts %d", f.Rows, got)
				}
			}

			var truth map[string]any
			raw, err := os.ReadFile(sum.TruthPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &truth); err != nil {
				t.Fatal(err)
			}
			params := truth["parameters"].(map[string]any)
			bg := params["bgnbd"].(map[string]any)
			if params["purchase_rate_scale"] != tt.scale || params["bgnbd_alpha_before_scale"] != 4.0 ||
				bg["alpha"] != 4/tt.scale || bg["b"] != tt.b {
				t.Errorf("truth.json parameters: purchase_rate_scale %v, bgnbd_alpha_before_scale %v, bgnbd %v; want %g, 4, alpha %g, b %g",
					params["purchase_rate_scale"], params["bgnbd_alpha_before_scale"], bg, tt.scale, 4/tt.scale, tt.b)
			}
			notes := truth["notes"].([]any)
			if last := notes[len(notes)-1].(string); !strings.HasPrefix(last, "purchase_rate_scale") {
				t.Errorf("last note = %q, want the purchase_rate_scale note", last)
			}
			for _, c := range sum.Truth.Checks {
				if !c.Within() {
					t.Errorf("check %s: observed %v, expected %v +- %v", c.Name, c.Observed, c.Expected, c.Tolerance)
				}
			}
		})
	}

	baseFiles := readDir(t, filepath.Dir(base.TruthPath))
	for _, scale := range []float64{0, 1} {
		o := smallOptions(t, FormatCSV, members)
		o.PurchaseRateScale = scale
		sum := mustGenerate(t, o)
		files := readDir(t, filepath.Dir(sum.TruthPath))
		for name, b := range baseFiles {
			if string(files[name]) != string(b) {
				t.Errorf("scale %g: %s differs from the unscaled output", scale, name)
			}
		}
		if strings.Contains(string(files[TruthFile]), "purchase_rate_scale") {
			t.Errorf("scale %g: truth.json mentions purchase_rate_scale", scale)
		}
	}
}
