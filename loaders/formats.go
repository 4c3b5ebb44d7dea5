package loaders

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/memberlytics/memberlytics/internal/platform/timefmt"
)

// ErrAmbiguousDates means the file's dates could be read month first or
// day first and its sample does not say which.
var ErrAmbiguousDates = errors.New("ambiguous dates")

// builtinFormats names the formats every parser reads, for errors.
const builtinFormats = "RFC 3339, YYYY-MM-DD HH:MM:SS, YYYY-MM-DD, YYYYMMDD or Unix seconds"

// newTimeParser returns a parser reading naive timestamps in loc, trying
// formats first: the analyst's ("MM/DD/YYYY HH:mm") or Go layouts.
func newTimeParser(loc *time.Location, formats []string) (*timeParser, error) {
	p := &timeParser{loc: loc, formats: formats}
	for _, f := range formats {
		l, err := timefmt.Layout(f)
		if err != nil {
			return nil, fmt.Errorf("%w: timestamp format: %w", ErrInvalidOptions, err)
		}
		p.layouts = append(p.layouts, l)
	}
	return p, nil
}

// syntaxErr is the error of a value no format reads: the custom formats
// and the file's detected style are listed before the built-in ones.
func (p *timeParser) syntaxErr() error {
	if len(p.formats) == 0 && p.style == "" {
		return errTimeSyntax
	}
	want := append([]string(nil), p.formats...)
	if p.style != "" {
		want = append(want, p.style+" (as the file's other dates)")
	}
	return fmt.Errorf("not a timestamp (want %s, %s)", strings.Join(want, ", "), builtinFormats)
}

// sampleValue is a timestamp or date from the first rows of a file that
// no given or built-in format reads.
type sampleValue struct {
	line         int64
	column, text string
}

// sampleRows is how many rows detectLayouts looks at.
const sampleRows = 10_000

var slashDate = regexp.MustCompile(`^(\d{1,4})([/.-])(\d{1,2})([/.-])(\d{1,4})(?:([ T])(\d{1,2}):(\d{2})(:\d{2})?( ?)([AaPp][Mm])?)?$`)

// detectLayouts tells from a file's sample the Go layouts of its dates
// written with slashes, dots or dashes: year first (YYYY/MM/DD), month
// first (M/D/YYYY) or day first (D/M/YYYY, D.M.YYYY), each optionally
// with a time (H:mm, H:mm:ss, h:mm AM/PM). Month or day first is decided
// by a value above 12 in one place; a sample without one, or with both,
// is ErrAmbiguousDates naming path and line. Values of no such style give
// no layout (they are rejected row by row). It returns the style in the
// analyst's notation (M/D/YYYY) too, for messages.
func detectLayouts(path string, sample []sampleValue) (layouts []string, style string, err error) {
	type evidence struct {
		line int64
		text string
	}
	var dayFirst, monthFirst, undecided *evidence
	var yearFirst bool
	var sep byte
	seen := map[string]bool{}
	var order []string // the time shapes seen, first seen first
	for _, v := range sample {
		m := slashDate.FindStringSubmatch(strings.TrimSpace(v.text))
		if m == nil || m[2] != m[4] {
			continue
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[3])
		c, _ := strconv.Atoi(m[5])
		ev := &evidence{v.line, v.text}
		switch {
		case len(m[1]) == 4:
			if b < 1 || b > 12 || c < 1 || c > 31 {
				continue
			}
			yearFirst = true
		case a < 1 || b < 1 || a > 31 || b > 31:
			continue
		case len(m[5]) != 4:
			continue // two-digit years: name the format
		case a > 12 && b <= 12:
			if dayFirst == nil {
				dayFirst = ev
			}
		case b > 12 && a <= 12:
			if monthFirst == nil {
				monthFirst = ev
			}
		case a <= 12 && b <= 12:
			if undecided == nil {
				undecided = ev
			}
		default:
			continue
		}
		if sep == 0 {
			sep = m[2][0]
		}
		shape := timeShape(m[6], m[9] != "", m[10], m[11])
		if !seen[shape] {
			seen[shape] = true
			order = append(order, shape)
		}
	}
	if dayFirst != nil && monthFirst != nil {
		return nil, "", fmt.Errorf("%w: %s:%d has the day first (%q) and %s:%d the month first (%q); name the format with --date-format (or timestamp_layouts)",
			ErrAmbiguousDates, path, dayFirst.line, dayFirst.text, path, monthFirst.line, monthFirst.text)
	}
	var date string
	s := string(sep)
	switch {
	case dayFirst != nil:
		date, style = "2"+s+"1"+s+"2006", "D"+s+"M"+s+"YYYY"
	case monthFirst != nil:
		date, style = "1"+s+"2"+s+"2006", "M"+s+"D"+s+"YYYY"
	case undecided != nil:
		return nil, "", fmt.Errorf("%w: %s:%d: %q reads as month/day or day/month, and no date in the first %d rows has a day above 12 to tell which; name the format with --date-format \"MM/DD/YYYY\" or \"DD/MM/YYYY\" (or timestamp_layouts)",
			ErrAmbiguousDates, path, undecided.line, undecided.text, sampleRows)
	case yearFirst:
		date, style = "2006"+s+"1"+s+"2", "YYYY"+s+"M"+s+"D"
	default:
		return nil, "", nil
	}
	if yearFirst && (dayFirst != nil || monthFirst != nil) {
		layouts = append(layouts, "2006"+s+"1"+s+"2")
	}
	// The shapes seen first, then every other, so later rows of another
	// shape (a date without its time) still parse.
	for _, sh := range append(order, allShapes...) {
		l := date + sh
		if !slices.Contains(layouts, l) {
			layouts = append(layouts, l)
		}
	}
	if yearFirst && (dayFirst != nil || monthFirst != nil) {
		for _, sh := range allShapes {
			if l := "2006" + s + "1" + s + "2" + sh; !slices.Contains(layouts, l) {
				layouts = append(layouts, l)
			}
		}
	}
	return layouts, style, nil
}

// allShapes are the time parts a detected date may have.
var allShapes = []string{"", " 15:04", " 15:04:05", "T15:04", "T15:04:05",
	" 3:04 PM", " 3:04:05 PM", " 3:04PM", " 3:04:05PM", " 3:04 pm", " 3:04:05 pm", " 3:04pm", " 3:04:05pm"}

// timeShape is the Go layout of a time part: separator, seconds, AM/PM.
func timeShape(sep string, secs bool, space, ampm string) string {
	if sep == "" {
		return ""
	}
	sec := ""
	if secs {
		sec = ":05"
	}
	if ampm == "" {
		return sep + "15:04" + sec
	}
	pm := "PM"
	if ampm[0] == 'a' || ampm[0] == 'p' {
		pm = "pm"
	}
	return sep + "3:04" + sec + space + pm
}

// parseAmount reads a decimal number as hundredths (see parseCents),
// also when written with thousands separators and a currency symbol or
// code ("1,299.00", "$45.50", "¥45", "USD 12"). decimalComma reads
// "1.234,56": dots group thousands and the comma marks decimals.
func parseAmount(s string, decimalComma bool) (int64, error) {
	if !decimalComma || strings.IndexByte(s, '.') < 0 {
		if c, err := parseCents(s); !errors.Is(err, errDecimalSyntax) {
			return c, err
		}
	}
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	t, ok := trimCurrency(t)
	if !ok {
		return 0, errDecimalSyntax
	}
	if !neg && t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	group, point := byte(','), byte('.')
	if decimalComma {
		group, point = '.', ','
	}
	whole, frac := t, ""
	if i := strings.IndexByte(t, point); i >= 0 {
		whole, frac = t[:i], t[i+1:]
		if frac == "" || !onlyASCIIDigits(frac) {
			return 0, errDecimalSyntax
		}
	}
	if strings.IndexByte(whole, group) >= 0 {
		parts := strings.Split(whole, string(group))
		for i, p := range parts {
			if !onlyASCIIDigits(p) || (i == 0 && len(p) > 3) || (i > 0 && len(p) != 3) {
				return 0, errDecimalSyntax
			}
		}
		whole = strings.Join(parts, "")
	}
	if whole == "" || !onlyASCIIDigits(whole) {
		return 0, errDecimalSyntax
	}
	plain := whole
	if frac != "" {
		plain += "." + frac
	}
	if neg {
		plain = "-" + plain
	}
	return parseCents(plain)
}

// trimCurrency removes one currency mark before or after the number: a
// symbol ($, ¥, €, £, ...), optionally after up to three capital letters
// (US$, HK$), or a three-letter code (USD, CNY), with spaces around.
func trimCurrency(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	// before the number
	i := 0
	for i < len(s) && i < 3 && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	if r, n := utf8.DecodeRuneInString(s[i:]); unicode.Is(unicode.Sc, r) {
		return strings.TrimSpace(s[i+n:]), true
	}
	if i == 3 && i < len(s) && !(s[i] >= 'A' && s[i] <= 'Z') {
		return strings.TrimSpace(s[i:]), true
	}
	// after the number
	if r, n := utf8.DecodeLastRuneInString(s); unicode.Is(unicode.Sc, r) {
		return strings.TrimSpace(s[:len(s)-n]), true
	}
	if len(s) > 3 {
		code := s[len(s)-3:]
		if strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" && s[len(s)-4] == ' ' {
			return strings.TrimSpace(s[:len(s)-3]), true
		}
	}
	return s, true
}

func onlyASCIIDigits(s string) bool {
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

// fileParser is the Loader's timestamp parser plus the layouts the
// file's first sampleRows rows show (detectLayouts). It reads those rows
// through a reader of its own. Nothing is told when the user named the
// formats (a value none reads is rejected), nor from a compressed Parquet
// file (spooled to disk to be read; Parquet timestamps are typed).
func (l *Loader) fileParser(path string, format Format) (*timeParser, error) {
	if len(l.tp.formats) > 0 {
		return l.tp, nil
	}
	if lower := strings.ToLower(path); format == Parquet && (strings.HasSuffix(lower, ".gz") || strings.HasSuffix(lower, ".zst")) {
		return l.tp, nil
	}
	rr, _, closeFn, err := l.newReader(path, format, &countingReader{})
	if err != nil {
		return nil, err
	}
	defer closeFn()
	raw := newRawRow(len(l.s.cols))
	var sample []sampleValue
	for n := 0; n < sampleRows; n++ {
		err := rr.next(raw)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i, c := range l.s.cols {
			if (c.typ != tDateTime && c.typ != tDate) || !raw.has[i] || raw.vals[i] == "" {
				continue
			}
			var perr error
			if c.typ == tDate {
				_, perr = l.tp.parseDate(raw.vals[i])
			} else {
				_, perr = l.tp.parse(raw.vals[i])
			}
			if perr != nil && perr != errTimeRange && perr != errDateRange {
				sample = append(sample, sampleValue{line: raw.line, column: c.name, text: raw.vals[i]})
			}
		}
	}
	layouts, style, err := detectLayouts(path, sample)
	if err != nil {
		return nil, err
	}
	if len(layouts) == 0 {
		return l.tp, nil
	}
	tp := *l.tp
	tp.detected, tp.style = layouts, style
	l.log.Debug("date style told from the file", "path", path, "style", style)
	return &tp, nil
}
