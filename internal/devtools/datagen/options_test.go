package datagen

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDefaultOptionsValid(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("DefaultOptions().Validate() = %v", err)
	}
	o := DefaultOptions()
	if !o.End.Equal(DefaultEnd) || !o.Start.Equal(DefaultEnd.AddDate(-2, 0, 0)) {
		t.Errorf("default window = [%s, %s), want the two years before %s", o.Start, o.End, DefaultEnd)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Options)
		want   []string // substrings of the error, each naming a field
	}{
		{"no members", func(o *Options) { o.Members = 0 }, []string{"Members must be > 0, got 0"}},
		{"negative members", func(o *Options) { o.Members = -5 }, []string{"Members must be > 0, got -5"}},
		{"end before start", func(o *Options) { o.End = o.Start.Add(-time.Hour) }, []string{"End must be after Start"}},
		{"zero start", func(o *Options) { o.Start = time.Time{} }, []string{"Start must be set"}},
		{"bad format", func(o *Options) { o.Format = "xlsx" }, []string{`Format must be csv, ndjson or parquet, got "xlsx"`}},
		{"no out dir", func(o *Options) { o.OutDir = "" }, []string{"OutDir must be set"}},
		{"negative workers", func(o *Options) { o.Workers = -1 }, []string{"Workers must be >= 0"}},
		{"prospect share", func(o *Options) { o.ProspectShare = 1.5 }, []string{"ProspectShare must be in [0, 1], got 1.5"}},
		{"growth", func(o *Options) { o.JoinGrowth = 0 }, []string{"JoinGrowth must be > 0"}},
		{"bgnbd r and alpha", func(o *Options) { o.Purchase.R = 0; o.Purchase.Alpha = math.NaN() },
			[]string{"Purchase.R must be > 0, got 0", "Purchase.Alpha must be > 0, got NaN"}},
		{"bgnbd a b", func(o *Options) { o.Purchase.A = -1; o.Purchase.B = 0 }, []string{"Purchase.A must be > 0", "Purchase.B must be > 0"}},
		{"purchase rate scale", func(o *Options) { o.PurchaseRateScale = -2 }, []string{"PurchaseRateScale must be >= 0, got -2"}},
		{"purchase rate scale overflow", func(o *Options) { o.PurchaseRateScale = math.Inf(1) }, []string{"PurchaseRateScale must be >= 0, got +Inf"}},
		{"gamma-gamma q", func(o *Options) { o.Spend.Q = 1 }, []string{"Spend.Q must be > 1"}},
		{"gamma-gamma p v", func(o *Options) { o.Spend.P = 0; o.Spend.V = math.Inf(1) }, []string{"Spend.P must be > 0", "Spend.V must be > 0"}},
		{"refund share", func(o *Options) { o.Orders.RefundShare = -0.1 }, []string{"Orders.RefundShare must be in [0, 1]"}},
		{"stores", func(o *Options) { o.Orders.Stores = 0 }, []string{"Orders.Stores must be in [1, 9999], got 0"}},
		{"event decay", func(o *Options) { o.Events.DecayDays = 0 }, []string{"Events.DecayDays must be > 0"}},
		{"event scale", func(o *Options) { o.Events.Scale = 10 }, []string{"Events.Scale times Events.CampaignOpenProb must be <= 1"}},
		{"campaign open prob", func(o *Options) { o.Campaigns.OpenProb = 1.2 }, []string{"Campaigns.OpenProb must be in [0, 1], got 1.2"}},
		{"weekly weight", func(o *Options) { o.Season.Weekly[3] = 0 }, []string{"Season.Weekly[3] must be > 0"}},
		{"hourly weight", func(o *Options) { o.Season.Hourly[23] = -1 }, []string{"Season.Hourly[23] must be > 0"}},
		{"yearly amplitude", func(o *Options) { o.Season.YearlyAmplitude = 1 }, []string{"Season.YearlyAmplitude must be in [0, 1)"}},
		{"holiday date", func(o *Options) { o.Season.Holidays = []Holiday{{Month: 2, Day: 29, Multiplier: 2}} },
			[]string{"Season.Holidays[0] must be a date of a non-leap year"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.modify(&o)
			err := o.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Validate() = %v, want it to wrap ErrInvalidOptions", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"csv", "ndjson", "parquet"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("json"); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("ParseFormat(json) = %v, want ErrInvalidOptions", err)
	}
}
