package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNoFile is returned by Load when an explicitly named file does not exist.
var ErrNoFile = errors.New("config file not found")

// FieldError is one refused key: its dotted path and the reason.
type FieldError struct {
	// Key is the dotted path, e.g. "clickhouse.max_open_conns".
	Key string
	// Line is the YAML line, 0 when the value did not come from a file.
	Line   int
	Reason string
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return e.Key + " (line " + strconv.Itoa(e.Line) + "): " + e.Reason
	}
	return e.Key + ": " + e.Reason
}

// Errors is every problem found in a configuration, in file order.
type Errors []*FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid configuration: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.As find each FieldError.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Add appends the problem of key, its reason formatted from format and
// args. A model's Params.Validate collects its problems with it.
func (es *Errors) Add(key, format string, args ...any) {
	*es = append(*es, &FieldError{Key: key, Reason: fmt.Sprintf(format, args...)})
}

// Err returns es, or nil when it holds no problem.
func (es Errors) Err() error { return es.orNil() }
