package config

import "unicode/utf8"

// Report configures the HTML report (memberlytics report, and the pages
// memberlytics serve shows at / and /runs).
type Report struct {
	// Lang is the default label language: en or zh (--lang and ?lang= override).
	Lang string `yaml:"lang"`
	// Currency is the symbol put before money amounts, e.g. ¥ or $; may be empty.
	Currency string `yaml:"currency"`
}

func defaultReport() Report {
	return Report{Lang: "en", Currency: "¥"}
}

func validateReport(r Report, add func(key, format string, args ...any)) {
	if r.Lang != "en" && r.Lang != "zh" {
		add("report.lang", "must be en or zh, got %q", r.Lang)
	}
	if utf8.RuneCountInString(r.Currency) > 4 {
		add("report.currency", "must be a symbol of at most 4 characters, got %q", r.Currency)
	}
}
