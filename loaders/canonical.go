package loaders

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// canonicalJSON returns one text for every way of writing the same JSON
// value: objects with their keys sorted, no spaces, strings re-escaped
// (so "w\u0065b" is "web"), numbers in their shortest exact decimal form
// (1.0, 1e0 and 1.00 are 1; 15e-1 is 1.5). It fails when text is not one
// JSON value. The derived event_id hashes it, so the same properties
// written by different tools give one id.
func canonicalJSON(text string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", errors.New("text after the JSON value")
	}
	var b bytes.Buffer
	writeCanonical(&b, v)
	return b.String(), nil
}

func writeCanonical(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, k)
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(canonicalNumber(string(x)))
	case string:
		s, _ := json.Marshal(x) // a string always marshals
		b.Write(s)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	}
}

// canonicalNumber writes a JSON number exactly, in its shortest decimal
// form. A number with an exponent beyond ±400 keeps its text (written
// out it could be megabytes).
func canonicalNumber(n string) string {
	d, err := decimal.NewFromString(n)
	if err != nil || d.Exponent() > 400 || d.Exponent() < -400 {
		return n
	}
	return d.String()
}
