package loaders

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// sniffBytes is how much of a text file is checked for binary data before
// parsing starts.
const sniffBytes = 64 << 10

// sniffText refuses data that is not text: a NUL byte or invalid UTF-8 in
// the first sniffBytes. It returns a reader that still yields every byte,
// with a UTF-8 byte order mark removed.
func sniffText(r io.Reader, format string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read: %w", wrapReadErr(err))
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return nil, corruptf("binary data (NUL byte at offset %d): not a %s file", i, format)
	}
	check := head
	if len(head) == sniffBytes {
		// The sniff may cut a multi-byte character at its end.
		for k := 0; k < utf8.UTFMax && len(check) > 0 && !utf8.RuneStart(check[len(check)-1]); k++ {
			check = check[:len(check)-1]
		}
		if len(check) > 0 && !utf8.FullRune(check[len(check)-1:]) {
			check = check[:len(check)-1]
		}
	}
	if !utf8.Valid(check) {
		return nil, corruptf("not UTF-8 text: not a %s file", format)
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	return br, nil
}

// csvReader reads CSV rows: a header line, then one record per row.
type csvReader struct {
	r      *csv.Reader
	pos    []int // source field of each canonical column, -1 when absent
	rec    []string
	delim  rune
	fields int
}

func newCSVReader(r io.Reader, s *schema, m Mapping, delim rune) (*csvReader, []string, error) {
	text, err := sniffText(r, "CSV")
	if err != nil {
		return nil, nil, err
	}
	if delim == 0 {
		delim = ','
	}
	cr := csv.NewReader(text)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, corruptf("empty file: no CSV header")
	}
	if err != nil {
		return nil, nil, corruptf("CSV header: %v", err)
	}
	header = append([]string(nil), header...)
	pos, ignored, err := s.resolve(header, m)
	if err != nil {
		return nil, nil, err
	}
	return &csvReader{r: cr, pos: pos, delim: delim, fields: len(header)}, ignored, nil
}

// rowError is a row that cannot be read at all; it is rejected and
// reading goes on. lines is how many lines it swallowed.
type rowError struct {
	line, lines int64
	reason, raw string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

func (c *csvReader) next(r *rawRow) error {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &rowError{line: int64(pe.StartLine), lines: int64(max(1, pe.Line-pe.StartLine+1)), reason: "bad CSV: " + pe.Err.Error()}
		}
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return wrapReadErr(err)
	}
	c.rec = rec
	line, _ := c.r.FieldPos(0)
	r.line = int64(line)
	if len(rec) != c.fields {
		return &rowError{line: r.line, lines: 1, reason: fmt.Sprintf("%d fields, header has %d", len(rec), c.fields), raw: c.text()}
	}
	for i, p := range c.pos {
		if p >= 0 {
			r.vals[i], r.has[i] = rec[p], true
		} else {
			r.vals[i], r.has[i] = "", false
		}
	}
	return nil
}

func (c *csvReader) text() string { return strings.Join(c.rec, string(c.delim)) }
