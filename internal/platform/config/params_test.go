package config

import (
	"errors"
	"strings"
	"testing"
)

type testParams struct {
	WindowDays int      `yaml:"window_days"`
	Pairs      []string `yaml:"pairs"`
}

func TestParamsDecodeKeepsDefaultsAndNamesBadKeys(t *testing.T) {
	cfg := Default()
	if err := Parse([]byte("models:\n  campaigns:\n    window_days: 14\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	p := testParams{WindowDays: 30, Pairs: []string{"a"}}
	if err := cfg.Models.Campaigns.Decode("models.campaigns", &p); err != nil {
		t.Fatal(err)
	}
	if p.WindowDays != 14 || len(p.Pairs) != 1 {
		t.Fatalf("decoded %+v, want window 14 and the default pairs kept", p)
	}
	absent := testParams{WindowDays: 30}
	if err := cfg.Models.Points.Decode("models.points", &absent); err != nil || absent.WindowDays != 30 {
		t.Fatalf("absent section: %+v, %v", absent, err)
	}

	cfg = Default()
	if err := Parse([]byte("models:\n  campaigns:\n    window_dayz: 14\n    pairs: 3\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	err := cfg.Models.Campaigns.Decode("models.campaigns", &p)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want two field errors, got %v", err)
	}
	if !strings.Contains(err.Error(), "models.campaigns.window_dayz (line 3)") || !strings.Contains(err.Error(), "models.campaigns.pairs (line 4)") {
		t.Fatalf("errors do not name key and line: %v", err)
	}

	cfg = Default()
	if err := Parse([]byte("models:\n  campaigns: 5\n"), &cfg); err == nil || !strings.Contains(err.Error(), "models.campaigns") {
		t.Fatalf("a scalar section must be refused naming its key, got %v", err)
	}
}
