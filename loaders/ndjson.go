package loaders

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
	cur   []byte
	obj   map[string]json.RawMessage
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
		line, err := n.readLine()
		if err != nil && !errors.Is(err, errLineTooLong) {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			return wrapReadErr(err)
		}
		n.line++
		r.line = n.line
		if errors.Is(err, errLineTooLong) {
			n.cur = nil
			return &rowError{line: n.line, lines: 1, reason: err.Error()}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n.cur = line
		clear(n.obj)
		if n.obj == nil {
			n.obj = map[string]json.RawMessage{}
		}
		if line[0] != '{' {
			return &rowError{line: n.line, lines: 1, reason: "not a JSON object", raw: string(line)}
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
}

func (n *ndjsonReader) text() string { return string(n.cur) }
