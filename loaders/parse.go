package loaders

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// timeParser reads timestamps. Accepted, after any custom layouts:
// RFC 3339 (with Z, an offset or fractional seconds), "YYYY-MM-DD HH:MM:SS"
// and "YYYY-MM-DDTHH:MM:SS" (optionally with fractional seconds),
// "YYYY-MM-DD", "YYYYMMDD" and Unix seconds, and the layouts detected
// from the file's sample (detectLayouts). Timestamps without an offset
// are read in loc. Fractions of a second are truncated.
type timeParser struct {
	loc     *time.Location
	layouts []string
	// formats are the layouts as the user wrote them, for errors.
	formats []string
	// detected are layouts told from the file's sample (detectLayouts),
	// tried last; style names them for errors.
	detected []string
	style    string
}

var (
	errTimeSyntax = errors.New("not a timestamp (want RFC 3339, YYYY-MM-DD HH:MM:SS, YYYY-MM-DD, YYYYMMDD or Unix seconds)")
	errTimeRange  = errors.New("timestamp outside 1970-01-01..2105-12-31")
	errDateRange  = errors.New("date outside 1970-01-01..2149-06-06")
)

// maxDateTime is the last second ClickHouse's DateTime stores.
const maxDateTime = 4291747199 // 2105-12-31 23:59:59 UTC

// parse returns Unix seconds.
func (p *timeParser) parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, l := range p.layouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return checkRange(t.Unix())
		}
	}
	if sec, ok := p.fast(s); ok {
		return checkRange(sec)
	}
	if s == "" {
		return 0, p.syntaxErr()
	}
	if allDigits(s) {
		if len(s) == 8 {
			t, err := time.ParseInLocation("20060102", s, p.loc)
			if err != nil {
				return 0, p.syntaxErr()
			}
			return checkRange(t.Unix())
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, errTimeRange
		}
		return checkRange(n)
	}
	// The file's own style (most of its values) before the rarer shapes.
	for _, l := range p.detected {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return checkRange(t.Unix())
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return checkRange(t.Unix())
	}
	for _, l := range naiveLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return checkRange(t.Unix())
		}
	}
	return 0, p.syntaxErr()
}

var naiveLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
}

func checkRange(sec int64) (int64, error) {
	if sec < 0 || sec > maxDateTime {
		return 0, errTimeRange
	}
	return sec, nil
}

// fast parses the common shapes without allocating:
// YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DD HH:MM:SS, YYYY-MM-DDTHH:MM:SS and
// YYYY-MM-DD.
func (p *timeParser) fast(s string) (int64, bool) {
	if len(s) != 10 && len(s) != 19 && len(s) != 20 {
		return 0, false
	}
	if s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return 0, false
	}
	var h, mi, se int
	utc := false
	if len(s) > 10 {
		if (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
			return 0, false
		}
		var ok4, ok5, ok6 bool
		h, ok4 = digits(s[11:13])
		mi, ok5 = digits(s[14:16])
		se, ok6 = digits(s[17:19])
		if !ok4 || !ok5 || !ok6 || h > 23 || mi > 59 || se > 59 {
			return 0, false
		}
		if len(s) == 20 {
			if s[19] != 'Z' {
				return 0, false
			}
			utc = true
		}
	}
	if utc || p.loc == time.UTC {
		return daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+se), true
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, p.loc).Unix(), true
}

// parseDate returns days since 1970-01-01 of a date, or of the date part
// of a timestamp (in the parser's zone).
func (p *timeParser) parseDate(s string) (int32, error) {
	s = strings.TrimSpace(s)
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		if ok1 && ok2 && ok3 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(mo, y) {
			return dateRange(daysFromCivil(y, mo, d))
		}
		return 0, errTimeSyntax
	}
	if len(s) == 8 && allDigits(s) {
		t, err := time.Parse("20060102", s)
		if err != nil {
			return 0, errTimeSyntax
		}
		return dateRange(t.Unix() / 86400)
	}
	for _, l := range p.layouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			y, m, d := t.Date()
			return dateRange(daysFromCivil(y, int(m), d))
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		y, m, d := t.In(p.loc).Date()
		return dateRange(daysFromCivil(y, int(m), d))
	}
	for _, layouts := range [2][]string{naiveLayouts, p.detected} { // an array: no allocation per value
		for _, l := range layouts {
			if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
				y, m, d := t.Date()
				return dateRange(daysFromCivil(y, int(m), d))
			}
		}
	}
	return 0, p.syntaxErr()
}

func dateRange(days int64) (int32, error) {
	if days < 0 || days > 65535 {
		return int32(max(min(days, math.MaxInt32), math.MinInt32)), errDateRange
	}
	return int32(days), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m, y int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// daysFromCivil is days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

var (
	errDecimalSyntax = errors.New("not a decimal number")
	errDecimalRange  = errors.New("decimal out of range for Decimal(18,2)")
)

// maxCents bounds Decimal(18,2): 16 digits before the point.
const maxCents int64 = 999_999_999_999_999_999

// parseCents reads a decimal number as hundredths, rounding half away from
// zero past two decimals. Accepts an optional sign, digits, an optional
// fraction, and (from JSON) exponent notation.
func parseCents(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errDecimalSyntax
	}
	neg := false
	i := 0
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	var whole int64
	nd := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if whole > maxCents/10 {
			return 0, errDecimalRange
		}
		whole = whole*10 + int64(s[i]-'0')
		nd++
	}
	var frac int64
	fd := 0
	roundUp := false
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			switch {
			case fd < 2:
				frac = frac*10 + int64(s[i]-'0')
			case fd == 2:
				roundUp = s[i] >= '5'
			}
			fd++
		}
	}
	if i != len(s) {
		if s[i] == 'e' || s[i] == 'E' {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, errDecimalSyntax
			}
			c := math.Round(f * 100)
			if math.Abs(c) > float64(maxCents) {
				return 0, errDecimalRange
			}
			return int64(c), nil
		}
		return 0, errDecimalSyntax
	}
	if nd == 0 && fd == 0 {
		return 0, errDecimalSyntax
	}
	for k := fd; k < 2; k++ {
		frac *= 10
	}
	if whole > (maxCents-99)/100 {
		return 0, errDecimalRange
	}
	c := whole*100 + frac
	if roundUp {
		c++
	}
	if neg {
		c = -c
	}
	return c, nil
}

// formatCents writes hundredths as a decimal string ("-12.05").
func formatCents(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := strconv.FormatInt(c/100, 10) + "." + string([]byte{byte('0' + c%100/10), byte('0' + c%10)})
	if neg {
		return "-" + s
	}
	return s
}

var errUintSyntax = errors.New("not a whole number from 0 to 4294967295")

// parseUint32 reads a count; "3.0" (as JSON numbers may be written) is 3.
func parseUint32(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= math.MaxUint32 && f == math.Trunc(f) {
		return uint32(f), nil
	}
	return 0, errUintSyntax
}

var errFloatSyntax = errors.New("not a finite number")

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errFloatSyntax
	}
	return f, nil
}
