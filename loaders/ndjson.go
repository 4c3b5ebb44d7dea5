package loaders

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// maxLineBytes bounds one NDJSON line; a longer line is rejected.
const maxLineBytes = 16 << 20

// ndjsonReader reads one JSON object per line; blank lines are skipped.
// Strings are taken unquoted, other values (numbers, booleans, objects)
// as their JSON text, null as absent.
type ndjsonReader struct {
	br    *bufio.Reader
	names []string // source key of each canonical column, "" for none
	index map[string]int
	line  int64
	lines chunkLines
	cur   string
	obj   map[string]json.RawMessage
	buf   []byte // unquote's scratch
	raw   []byte // a value's JSON text for encoding/json, scan's scratch
}

func newNDJSONReader(r io.Reader, s *schema, m Mapping) (*ndjsonReader, error) {
	text, err := sniffText(r, "NDJSON")
	if err != nil {
		return nil, err
	}
	names := s.sourceNames(m)
	index := make(map[string]int, len(names))
	for i, n := range names {
		if n != "" {
			index[n] = i
		}
	}
	return &ndjsonReader{br: bufio.NewReaderSize(text, 1<<20), names: names, index: index}, nil
}

func (n *ndjsonReader) readLine() ([]byte, error) {
	var long []byte
	for {
		part, err := n.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(part) <= maxLineBytes {
				long = append(long, part...)
			} else if long == nil {
				long = []byte{} // remember the line is too long
			}
			continue
		}
		if long != nil {
			if len(long)+len(part) > maxLineBytes {
				return nil, errLineTooLong
			}
			part = append(long, part...)
		}
		if errors.Is(err, io.EOF) && len(part) > 0 {
			return part, nil
		}
		return part, err
	}
}

var errLineTooLong = errors.New("line longer than 16 MiB")

func (n *ndjsonReader) next(r *rawRow) error {
	for {
		line, err := n.lines.next(n.br, n.readLine)
		if err != nil && !errors.Is(err, errLineTooLong) {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			return wrapReadErr(err)
		}
		n.line++
		r.line = n.line
		if errors.Is(err, errLineTooLong) {
			n.cur = ""
			return &rowError{line: n.line, lines: 1, reason: err.Error()}
		}
		line = strings.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n.cur = line
		if line[0] != '{' {
			return &rowError{line: n.line, lines: 1, reason: "not a JSON object", raw: line}
		}
		if n.scan(line, r) {
			return nil
		}
		return n.decode([]byte(line), r)
	}
}

// decode fills r from line with encoding/json: the path for a line scan
// does not take (escaped keys, invalid JSON), whose result and error
// messages it defines.
func (n *ndjsonReader) decode(line []byte, r *rawRow) error {
	clear(n.obj)
	if n.obj == nil {
		n.obj = map[string]json.RawMessage{}
	}
	if err := json.Unmarshal(line, &n.obj); err != nil {
		return &rowError{line: n.line, lines: 1, reason: "bad JSON: " + err.Error(), raw: string(line)}
	}
	r.reset()
	for k, v := range n.obj {
		i, ok := n.index[k]
		if !ok {
			continue
		}
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return &rowError{line: n.line, lines: 1, reason: "bad JSON string in " + k, raw: string(line)}
			}
			r.vals[i] = s
		} else {
			r.vals[i] = string(v)
		}
		r.has[i] = true
	}
	return nil
}

// scan fills r from s, one JSON object, without a map or reflection:
// the values share the line's string (a chunk's: chunkLines), a plain
// string (no escape, ASCII) is taken as it is, anything else goes
// through encoding/json. It reports false, leaving r to decode, for a
// line it does not take: invalid JSON, a key with an escape or non-ASCII
// byte, a string value encoding/json would not take. A line scan takes
// gives what decode gives (FuzzNDJSONScan checks it).
func (n *ndjsonReader) scan(s string, r *rawRow) bool {
	r.reset()
	i := skipWS(s, 1)
	if i < len(s) && s[i] == '}' {
		return skipWS(s, i+1) == len(s)
	}
	for {
		// key
		if i >= len(s) || s[i] != '"' {
			return false
		}
		end, plain := scanString(s, i)
		if end < 0 || !plain {
			return false
		}
		key := s[i+1 : end-1]
		i = skipWS(s, end)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = skipWS(s, i+1)
		if i >= len(s) {
			return false
		}
		// value
		var val string
		var null bool
		switch c := s[i]; {
		case c == '"':
			end, plain = scanString(s, i)
			if end < 0 {
				return false
			}
			if plain {
				val = s[i+1 : end-1]
			} else if u, ok := n.unquote(s[i+1 : end-1]); ok {
				val = u
			} else {
				n.raw = append(n.raw[:0], s[i:end]...)
				if json.Unmarshal(n.raw, &u) != nil {
					return false
				}
				val = u
			}
		case c == '{' || c == '[':
			end = skipComposite(s, i)
			if end < 0 {
				return false
			}
			if n.raw = append(n.raw[:0], s[i:end]...); !json.Valid(n.raw) {
				return false
			}
			val = s[i:end]
		case c == 't':
			if end = i + 4; !strings.HasPrefix(s[i:], "true") {
				return false
			}
			val = s[i:end]
		case c == 'f':
			if end = i + 5; !strings.HasPrefix(s[i:], "false") {
				return false
			}
			val = s[i:end]
		case c == 'n':
			if end = i + 4; !strings.HasPrefix(s[i:], "null") {
				return false
			}
			null = true
		default:
			end = scanNumber(s, i)
			if end < 0 {
				return false
			}
			val = s[i:end]
		}
		if col, ok := n.index[key]; ok {
			// The last of repeated keys counts, as in a map.
			r.vals[col], r.has[col] = "", false
			if !null {
				r.vals[col], r.has[col] = val, true
			}
		}
		i = skipWS(s, end)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i = skipWS(s, i+1)
		case '}':
			return skipWS(s, i+1) == len(s)
		default:
			return false
		}
	}
}

// unquote returns the value of the JSON string whose text between the
// quotes is t, for text with only the one-letter escapes (\" \\ \/ \b
// \f \n \r \t) and valid UTF-8; ok is false for anything else (a \u
// escape, a bad escape, invalid UTF-8), which encoding/json decodes.
func (n *ndjsonReader) unquote(t string) (v string, ok bool) {
	b := n.buf[:0]
	ascii := true
	for j := 0; j < len(t); j++ {
		c := t[j]
		if c >= 0x80 {
			ascii = false
		}
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if j++; j == len(t) {
			return "", false
		}
		switch t[j] {
		case '"', '\\', '/':
			b = append(b, t[j])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		default:
			return "", false
		}
	}
	n.buf = b
	if !ascii && !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// skipWS returns the index of the first byte at or after i that is not
// JSON white space.
func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index after the JSON string that starts at
// s[i] (a quote), or -1 when it does not end or holds a control byte;
// plain says it has no escape and only ASCII, so its text is its value.
func scanString(s string, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j + 1, plain
		case c == '\\':
			plain = false
			j++ // the escaped byte; encoding/json checks the escape
		case c < 0x20:
			return -1, false
		case c >= 0x80:
			plain = false
		}
	}
	return -1, false
}

// skipComposite returns the index after the object or array that starts
// at s[i], matching brackets outside strings, or -1; json.Valid checks
// the rest.
func skipComposite(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '"':
			end, _ := scanString(s, j)
			if end < 0 {
				return -1
			}
			j = end - 1
		}
	}
	return -1
}

// scanNumber returns the index after the JSON number that starts at
// s[i], or -1 when there is none: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j - k
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case digits() == 0:
		return -1
	}
	if j < len(s) && s[j] == '.' {
		j++
		if digits() == 0 {
			return -1
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if digits() == 0 {
			return -1
		}
	}
	return j
}

func (n *ndjsonReader) text() string { return n.cur }
