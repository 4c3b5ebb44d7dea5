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

// csvReader reads CSV rows: a header line, then one record per row. A
// line without a double quote is split here, on the delimiter, as
// encoding/csv would split it; the header and a line with a quote (a
// quoted field, which may span lines, or a stray quote) go through
// encoding/csv, which is fed the file's lines one at a time (lineFeeder)
// so that both agree on where every record starts. Line numbers count
// every line of the file.
type csvReader struct {
	br  *bufio.Reader
	r   *csv.Reader // reads what feed gives it
	pos []int       // source field of each canonical column, -1 when absent
	// rec is the current record: fields (split here) or the csv.Reader's.
	rec    []string
	fields []string
	delim  rune
	sep    string // delim as UTF-8
	width  int    // header fields
	// line is the current row's line; split counts the lines read here,
	// not by the csv.Reader, whose line numbers they offset.
	line, split int64
	long        []byte // a line longer than br's buffer
	feed        *lineFeeder
	lines       chunkLines
}

func newCSVReader(r io.Reader, s *schema, m Mapping, delim rune) (*csvReader, []string, error) {
	text, err := sniffText(r, "CSV")
	if err != nil {
		return nil, nil, err
	}
	if delim == 0 {
		delim = ','
	}
	c := &csvReader{br: bufio.NewReaderSize(text, 1<<20), delim: delim, sep: string(delim)}
	c.feed = &lineFeeder{c: c}
	cr := csv.NewReader(c.feed)
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
	c.r, c.pos, c.width = cr, pos, len(header)
	return c, ignored, nil
}

// readText returns the next line of the file with its line end, or the
// last one without (chunkLines).
func (c *csvReader) readText() (string, error) { return c.lines.next(c.br, c.readSlice) }

// readLine is readText as bytes, for the csv.Reader's feed.
func (c *csvReader) readLine() ([]byte, error) {
	line, err := c.readText()
	return []byte(line), err
}

// readSlice returns the next line of br with its line end, or the last
// one without; it is valid until the next call.
func (c *csvReader) readSlice() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		c.long = append(c.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = c.br.ReadSlice('\n')
			c.long = append(c.long, line...)
		}
		line = c.long
	}
	return line, err
}

// lineFeeder is the csv.Reader's input: the line next has passed on
// (pending), then further lines of the file while the csv.Reader asks
// for them. Each Read gives at most the rest of one line, so the
// csv.Reader never reads past the record it parses.
// lines counts the lines fed, which the csv.Reader numbers 1, 2, ...
type lineFeeder struct {
	c       *csvReader
	pending []byte
	lines   int64
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		line, err := f.c.readLine()
		if len(line) == 0 {
			return 0, err
		}
		f.pending = line
		f.lines++
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// rowError is a row that cannot be read at all; it is rejected and
// reading goes on. lines is how many lines it swallowed.
type rowError struct {
	line, lines int64
	reason, raw string
}

func (e *rowError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

func (c *csvReader) next(r *rawRow) error {
	for {
		line, err := c.readText()
		if err != nil && !errors.Is(err, io.EOF) {
			return wrapReadErr(err)
		}
		if len(line) == 0 {
			return io.EOF
		}
		if strings.IndexByte(line, '"') >= 0 {
			// A quote: encoding/csv parses the record from this line on.
			c.feed.pending = []byte(line)
			c.feed.lines++
			return c.parse(r)
		}
		c.split++
		c.line = c.split + c.feed.lines
		// encoding/csv's line ends: \r\n counts as \n, a \r at the end
		// of the file is dropped, an empty line is skipped.
		n := len(line)
		switch {
		case line[n-1] == '\n' && n >= 2 && line[n-2] == '\r':
			line = line[:n-2]
		case line[n-1] == '\n', line[n-1] == '\r' && err != nil:
			line = line[:n-1]
		}
		if len(line) == 0 {
			continue
		}
		rest := line // the fields share the chunk
		c.fields = c.fields[:0]
		for {
			i := strings.Index(rest, c.sep)
			if i < 0 {
				break
			}
			c.fields = append(c.fields, rest[:i])
			rest = rest[i+len(c.sep):]
		}
		c.fields = append(c.fields, rest)
		return c.fill(r, c.fields)
	}
}

// parse reads one record with encoding/csv, which has been fed the
// record's first line.
func (c *csvReader) parse(r *rawRow) error {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &rowError{line: int64(pe.StartLine) + c.split, lines: int64(max(1, pe.Line-pe.StartLine+1)), reason: "bad CSV: " + pe.Err.Error()}
		}
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return wrapReadErr(err)
	}
	line, _ := c.r.FieldPos(0)
	c.line = int64(line) + c.split
	return c.fill(r, rec)
}

// fill sets r from the record rec of line c.line.
func (c *csvReader) fill(r *rawRow, rec []string) error {
	c.rec = rec
	r.line = c.line
	if len(rec) != c.width {
		return &rowError{line: r.line, lines: 1, reason: fmt.Sprintf("%d fields, header has %d", len(rec), c.width), raw: c.text()}
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

func (c *csvReader) given() []bool {
	g := make([]bool, len(c.pos))
	for i, p := range c.pos {
		g[i] = p >= 0
	}
	return g
}

func (c *csvReader) text() string { return strings.Join(c.rec, string(c.delim)) }
