package migrate

import (
	"errors"
	"strings"
)

// Split cuts a SQL file into statements at top-level semicolons, skipping
// semicolons inside quotes ('...', "...", `...`) and comments (-- to the end
// of the line, /* ... */). Statements that hold only comments and space are
// dropped. An unterminated quote or comment is an error.
func Split(src string) ([]string, error) {
	var (
		out   []string
		cur   strings.Builder
		code  bool // cur holds something other than comments and space
		state byte
	)
	flush := func() {
		if code {
			out = append(out, strings.TrimSpace(cur.String()))
		}
		cur.Reset()
		code = false
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch state {
		case 0:
			switch {
			case c == ';':
				flush()
				continue
			case c == '-' && i+1 < len(src) && src[i+1] == '-':
				state = '-'
			case c == '/' && i+1 < len(src) && src[i+1] == '*':
				state = '*'
				cur.WriteByte(c)
				i++
				c = src[i]
			case c == '\'' || c == '"' || c == '`':
				state = c
				code = true
			case c != ' ' && c != '\t' && c != '\n' && c != '\r':
				code = true
			}
		case '-':
			if c == '\n' {
				state = 0
			}
		case '*':
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				cur.WriteByte(c)
				i++
				c = src[i]
				state = 0
			}
		default: // inside a quote
			if c == '\\' && i+1 < len(src) {
				cur.WriteByte(c)
				i++
				c = src[i]
			} else if c == state {
				state = 0
			}
		}
		cur.WriteByte(c)
	}
	switch state {
	case 0, '-':
	case '*':
		return nil, errors.New("unterminated /* comment")
	default:
		return nil, errors.New("unterminated " + string(state) + " quote")
	}
	flush()
	return out, nil
}
