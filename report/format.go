package report

import (
	"math"
	"strconv"
	"strings"
)

// Format writes numbers for people in one language and currency. The zero
// value writes English with no currency symbol.
type Format struct {
	Lang Lang
	// Currency is put before money amounts, e.g. "¥" or "$".
	Currency string
}

// Int writes v rounded to a whole number with thousands separators:
// 1234567 -> "1,234,567".
func (f Format) Int(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return group(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
}

// Dec writes v with d decimals and thousands separators.
func (f Format) Dec(v float64, d int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return group(strconv.FormatFloat(v, 'f', d, 64))
}

// Money writes an amount in tables and headline figures: the currency
// symbol, thousands separators and always two decimals, so that a column
// of amounts lines up ("¥1,234.00", "¥12.50", "-¥3.00").
func (f Format) Money(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := f.Dec(math.Abs(v), 2)
	if v < 0 && s != f.Dec(0, 2) {
		return "-" + f.Currency + s
	}
	return f.Currency + s
}

// MoneyCompact writes an amount short, for chart ticks and cells: the
// currency symbol before Compact's figure ("¥1.2K", "¥3.4万", "-¥12").
func (f Format) MoneyCompact(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := f.Compact(math.Abs(v))
	if v < 0 && s != "0" {
		return "-" + f.Currency + s
	}
	return f.Currency + s
}

// Unit appends a unit to an axis or column title: "Revenue (¥)" in
// English, "销售额（¥）" in Chinese; an empty unit leaves label as is.
func (f Format) Unit(label, unit string) string {
	if unit == "" {
		return label
	}
	if f.Lang == Chinese {
		return label + "（" + unit + "）"
	}
	return label + " (" + unit + ")"
}

// MoneyUnit is the unit of amounts: the currency symbol, or the word for
// money in the report's language when no symbol is set.
func (f Format) MoneyUnit() string {
	if f.Currency != "" {
		return f.Currency
	}
	return f.Lang.T("unit_money")
}

// Pct writes a share (0.123) as a percentage with one decimal: "12.3%".
func (f Format) Pct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return f.Dec(v*100, 1) + "%"
}

// Compact writes v short for chart labels: 1.2K, 3.4M in English; 1.2万,
// 3.4亿 in Chinese; below 1,000 (English) or 10,000 (Chinese) as Int.
func (f Format) Compact(v float64) string {
	a := math.Abs(v)
	type unit struct {
		div    float64
		suffix string
	}
	units := []unit{{1e9, "B"}, {1e6, "M"}, {1e3, "K"}}
	if f.Lang == Chinese {
		units = []unit{{1e8, "亿"}, {1e4, "万"}}
	}
	for _, u := range units {
		if a >= u.div {
			s := strconv.FormatFloat(v/u.div, 'f', 1, 64)
			return strings.TrimSuffix(s, ".0") + u.suffix
		}
	}
	return f.Int(v)
}

// Change writes the relative change from prev to cur, "+3.2%" or
// "-0.5%"; "–" when prev is zero or either is not a number.
func (f Format) Change(cur, prev float64) string {
	if prev == 0 || math.IsNaN(cur) || math.IsNaN(prev) || math.IsInf(cur, 0) || math.IsInf(prev, 0) {
		return "–"
	}
	return signed(f.Dec((cur-prev)/math.Abs(prev)*100, 1)) + "%"
}

// PointChange writes the change of a share in percentage points:
// "+1.2 pp" (English) or "+1.2 个百分点" (Chinese).
func (f Format) PointChange(cur, prev float64) string {
	if math.IsNaN(cur) || math.IsNaN(prev) || math.IsInf(cur, 0) || math.IsInf(prev, 0) {
		return "–"
	}
	return signed(f.Dec((cur-prev)*100, 1)) + " " + f.Lang.T("pp")
}

// signed puts a + before a positive number and turns "-0.0" into "0.0".
func signed(s string) string {
	if strings.Trim(s, "-0.,") == "" {
		return strings.TrimPrefix(s, "-")
	}
	if !strings.HasPrefix(s, "-") {
		return "+" + s
	}
	return s
}

// SignedDec writes v with d decimals and its sign: "+0.070", "-0.012",
// "0.000".
func (f Format) SignedDec(v float64, d int) string { return signed(f.Dec(v, d)) }

// group puts a comma between groups of three digits of the integer part
// of a formatted number.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + frac
	if sign != "" && strings.Trim(out, "0.,") != "" {
		return sign + out
	}
	return out
}
