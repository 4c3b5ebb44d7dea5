package loaders

import (
	"bufio"
	"bytes"
	"strings"
)

// chunkLines hands out the lines of a text file as strings: every complete
// line its bufio.Reader holds is converted to text at once (one chunk), and
// the lines, and the values cut from them, share it. Reading costs one
// allocation per chunk rather than one per line. A value kept beyond its
// block keeps the whole chunk alive: rejects keep copies (rejectLog.addN).
type chunkLines struct {
	chunk string
	off   int // where the next line of chunk starts
}

// next returns the next line with its line end, or the last one without.
// When br holds no complete line (one longer than what is buffered, or
// the last), it returns what slow reads from br, with slow's error.
func (c *chunkLines) next(br *bufio.Reader, slow func() ([]byte, error)) (string, error) {
	if c.off == len(c.chunk) {
		c.chunk, c.off = "", 0
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return "", err
			}
		}
		if b, _ := br.Peek(br.Buffered()); len(b) > 0 {
			if k := bytes.LastIndexByte(b, '\n'); k >= 0 {
				c.chunk = string(b[:k+1])
				_, _ = br.Discard(k + 1)
			}
		}
		if c.chunk == "" {
			line, err := slow()
			return string(line), err
		}
	}
	i := strings.IndexByte(c.chunk[c.off:], '\n') // every line of chunk ends in one
	line := c.chunk[c.off : c.off+i+1]
	c.off += i + 1
	return line, nil
}
