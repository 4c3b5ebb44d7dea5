package report

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	en := Format{Lang: English, Currency: "$"}
	zh := Format{Lang: Chinese, Currency: "¥"}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"int small", en.Int(7), "7"},
		{"int thousands", en.Int(1234567.4), "1,234,567"},
		{"int rounds", en.Int(999.5), "1,000"},
		{"int negative", en.Int(-1234), "-1,234"},
		{"int nan", en.Int(math.NaN()), "–"},
		{"dec", en.Dec(12345.678, 2), "12,345.68"},
		{"dec negative zero", en.Dec(-0.001, 1), "0.0"},
		{"money small", en.Money(12.5), "$12.50"},
		{"money large", zh.Money(1234567.89), "¥1,234,567.89"},
		{"money compact", zh.MoneyCompact(123456), "¥12.3万"},
		{"money compact negative", en.MoneyCompact(-1500), "-$1.5K"},
		{"unit en", en.Unit("Revenue", "$"), "Revenue ($)"},
		{"unit zh", zh.Unit("销售额", "¥"), "销售额（¥）"},
		{"money negative", en.Money(-3), "-$3.00"},
		{"money inf", en.Money(math.Inf(1)), "–"},
		{"pct", en.Pct(0.1234), "12.3%"},
		{"pct one", en.Pct(1), "100.0%"},
		{"compact en", en.Compact(1234), "1.2K"},
		{"compact en round", en.Compact(2000), "2K"},
		{"compact en million", en.Compact(3.45e6), "3.5M"},
		{"compact en small", en.Compact(999), "999"},
		{"compact zh small", zh.Compact(9999), "9,999"},
		{"compact zh wan", zh.Compact(12345), "1.2万"},
		{"compact zh yi", zh.Compact(3e8), "3亿"},
		{"change up", en.Change(110, 100), "+10.0%"},
		{"change down", en.Change(90, 100), "-10.0%"},
		{"change none", en.Change(100, 100), "0.0%"},
		{"change from zero", en.Change(5, 0), "–"},
		{"change from negative", en.Change(-50, -100), "+50.0%"},
		{"points en", en.PointChange(0.412, 0.405), "+0.7 pp"},
		{"points zh", zh.PointChange(0.40, 0.45), "-5.0 个百分点"},
		{"points tiny", en.PointChange(0.40000001, 0.4), "0.0 pp"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Lang
		wantErr bool
	}{
		{"en", English, false},
		{"zh", Chinese, false},
		{"", "", true},
		{"zh-CN", "", true},
		{"EN", "", true},
	}
	for _, tt := range tests {
		got, err := ParseLang(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrUnknownLang)) {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// Every label exists in both languages; Chinese may translate more value
// names (the default RFM segments), never fewer labels.
func TestLabelsComplete(t *testing.T) {
	t.Parallel()
	for _, k := range labelKeys(English) {
		if _, ok := labels[Chinese][k]; !ok {
			t.Errorf("label %q has no Chinese text", k)
		}
	}
	for _, k := range labelKeys(Chinese) {
		if _, ok := labels[English][k]; !ok && !strings.HasPrefix(k, "v.") {
			t.Errorf("label %q has no English text", k)
		}
	}
	if got := English.T("no_such_label"); got != "??no_such_label??" {
		t.Errorf("missing label = %q", got)
	}
	if got := Chinese.Name("Champions"); got != "冠军客户" {
		t.Errorf("Chinese.Name(Champions) = %q", got)
	}
	if got := Chinese.Name("Platinum+"); got != "Platinum+" {
		t.Errorf("a configured name must pass through, got %q", got)
	}
}
