package models

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// Queries returns the named queries of model's SQL file,
// sql/models/<model>.sql. The file is cut into sections at lines
// "-- name: <query>"; text before the first marker is a comment.
func Queries(model string) (map[string]string, error) {
	src, err := sql.ModelSQL(model)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoSQL, model, err)
	}
	out := map[string]string{}
	var name string
	var cur strings.Builder
	flush := func() {
		if name != "" {
			out[name] = strings.TrimRight(strings.TrimSpace(cur.String()), ";")
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("model sql %s: query %s given twice", model, name)
			}
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s has no \"-- name:\" sections", ErrNoSQL, model)
	}
	return out, nil
}

// Query returns one named query of model's SQL with {{name}} placeholders
// replaced by the quoted identifiers in tables (e.g. "stage"). Only
// identifiers reach SQL this way; values are bound parameters.
func Query(model, query string, tables map[string]string) (string, error) {
	qs, err := Queries(model)
	if err != nil {
		return "", err
	}
	q, ok := qs[query]
	if !ok {
		return "", fmt.Errorf("%w: %s query %s", ErrNoSQL, model, query)
	}
	for k, v := range tables {
		if !strings.HasPrefix(v, "`") {
			v = warehouse.QuoteIdent(v)
		}
		q = strings.ReplaceAll(q, "{{"+k+"}}", v)
	}
	if i := strings.Index(q, "{{"); i >= 0 {
		end := min(len(q), i+30)
		return "", fmt.Errorf("model sql %s.%s: unfilled placeholder near %q", model, query, q[i:end])
	}
	return q, nil
}
