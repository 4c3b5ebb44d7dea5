package loaders

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Amounts as exports write them: thousands separators, currency symbols,
// and a decimal comma under number format "1.234,56".
func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		comma   bool
		want    int64
		wantErr error
	}{
		{"1,299.00", false, 129900, nil},
		{"$45.50", false, 4550, nil},
		{"¥45", false, 4500, nil},
		{"￥1,000", false, 100000, nil},
		{"-$1,234,567.891", false, -123456789, nil},
		{"45.50 €", false, 4550, nil},
		{"US$ 12", false, 1200, nil},
		{" 7 ", false, 700, nil},
		{"1.234,56", true, 123456, nil},
		{"€ 1.234.567,5", true, 123456750, nil},
		{"12,5", true, 1250, nil},
		{"12.5", true, 0, errDecimalSyntax}, // a dot groups thousands here: 12.5 is not a grouping
		{"1,2,3", false, 0, errDecimalSyntax},
		{"12,34", false, 0, errDecimalSyntax},
		{"1,234.56", true, 0, errDecimalSyntax},
		{"$", false, 0, errDecimalSyntax},
		{"$$5", false, 0, errDecimalSyntax},
		{"5 apples", false, 0, errDecimalSyntax},
		{"", false, 0, errDecimalSyntax},
	} {
		got, err := parseAmount(tt.in, tt.comma)
		if !errors.Is(err, tt.wantErr) || (err == nil && got != tt.want) {
			t.Errorf("parseAmount(%q, comma %v) = %d, %v; want %d, %v", tt.in, tt.comma, got, err, tt.want, tt.wantErr)
		}
	}
}

// Formats written the analyst's way work as Options.TimestampLayouts, and
// the syntax error lists them before the built-in formats.
func TestAnalystFormatsAndTheirError(t *testing.T) {
	t.Parallel()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	p, err := newTimeParser(sh, []string{"MM/DD/YYYY HH:mm", "DD.MM.YYYY"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.parse("12/31/2025 14:05")
	if want := time.Date(2025, 12, 31, 6, 5, 0, 0, time.UTC).Unix(); err != nil || got != want {
		t.Errorf("parse(12/31/2025 14:05 in Shanghai) = %d, %v; want %d", got, err, want)
	}
	_, err = p.parse("31/12/2025 14:05")
	if err == nil || !strings.Contains(err.Error(), "MM/DD/YYYY HH:mm, DD.MM.YYYY, RFC 3339") {
		t.Errorf("parse of a value no format reads: err %v; want the custom formats listed first", err)
	}
	if _, err := newTimeParser(time.UTC, []string{"MM/DD/YYYY", "QQ"}); !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), `"QQ"`) {
		t.Errorf("bad format: err %v; want ErrInvalidOptions naming it", err)
	}
}

// The sample decides the order of day and month in slash and dot dates.
func TestDetectDateLayouts(t *testing.T) {
	t.Parallel()
	sample := func(vals ...string) []sampleValue {
		out := make([]sampleValue, len(vals))
		for i, v := range vals {
			out[i] = sampleValue{line: int64(i + 2), column: "ordered_at", text: v}
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		sample []sampleValue
		parse  string
		want   time.Time
	}{
		{"month first (US)", sample("1/5/2025 9:05", "12/31/2025 14:05"), "3/4/2025 10:00", time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)},
		{"day first, dots", sample("31.12.2025", "1.2.2025"), "3.4.2025", time.Date(2025, 4, 3, 0, 0, 0, 0, time.UTC)},
		{"day first, seconds, slash", sample("13/01/2025 08:00:01"), "02/03/2025 23:59:59", time.Date(2025, 3, 2, 23, 59, 59, 0, time.UTC)},
		{"year first", sample("2025/1/9"), "2025/12/31 14:05", time.Date(2025, 12, 31, 14, 5, 0, 0, time.UTC)},
		{"AM/PM", sample("12/31/2025 2:05 PM"), "1/2/2025 11:30 AM", time.Date(2025, 1, 2, 11, 30, 0, 0, time.UTC)},
		{"am/pm without space", sample("12/31/2025 2:05pm"), "1/2/2025 11:30am", time.Date(2025, 1, 2, 11, 30, 0, 0, time.UTC)},
	} {
		layouts, _, err := detectLayouts("x.csv", tt.sample)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		p := &timeParser{loc: time.UTC, detected: layouts}
		got, err := p.parse(tt.parse)
		if err != nil || got != tt.want.Unix() {
			t.Errorf("%s: parse(%q) with %v = %v, %v; want %v", tt.name, tt.parse, layouts, time.Unix(got, 0).UTC(), err, tt.want)
		}
	}
	for _, tt := range []struct {
		name   string
		sample []sampleValue
		want   []string
	}{
		{"no day above 12", sample("01/02/2025", "03/04/2025 10:00"), []string{"x.csv:2", `"01/02/2025"`, "month/day or day/month", `--date-format "MM/DD/YYYY"`}},
		{"both orders", sample("01/02/2025", "31/12/2025", "12/31/2025"), []string{"x.csv:3", "x.csv:4", "day first", "month first"}},
	} {
		_, _, err := detectLayouts("x.csv", tt.sample)
		if !errors.Is(err, ErrAmbiguousDates) {
			t.Errorf("%s: err %v, want ErrAmbiguousDates", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, err, w)
			}
		}
	}
	if layouts, _, err := detectLayouts("x.csv", sample("yesterday", "2025-13-45")); err != nil || len(layouts) != 0 {
		t.Errorf("values of no known style: layouts %v, err %v; want none (they are rejected row by row)", layouts, err)
	}
}

func TestParseMapping(t *testing.T) {
	t.Parallel()
	m, err := ParseMapping(Orders, "OrderID=order_id, CustomerID=member_id,OrderDate=ordered_at,Total=amount")
	if err != nil || len(m) != 4 || m["CustomerID"] != "member_id" || m["Total"] != "amount" {
		t.Errorf("ParseMapping = %v, %v", m, err)
	}
	for _, tt := range []struct{ spec, want string }{
		{"OrderID", `"OrderID" is not SOURCE=column`},
		{"OrderID=", `"OrderID=" is not SOURCE=column`},
		{"OrderID=orderid", `orderid is not a column of orders (order_id, member_id, ordered_at, amount`},
		{"A=order_id,B=order_id", "A and B both map to order_id"},
		{"A=order_id,A=member_id", "A is mapped twice"},
		{"A=birth_date", "birth_date is not a column of orders"},
	} {
		if _, err := ParseMapping(Orders, tt.spec); !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseMapping(%q): err %v; want ErrInvalidOptions containing %q", tt.spec, err, tt.want)
		}
	}
	if _, err := ParseMapping(Members, "DOB=birth_date"); err == nil || !strings.Contains(err.Error(), "derived") {
		t.Errorf("mapping to a derived column: err %v", err)
	}
}
