package query

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// ErrNoSQL means a set or a named query does not exist.
var ErrNoSQL = errors.New("no sql")

// ReportSet is the name of the report's set: sql/report/NAME.sql, one query
// per file.
const ReportSet = "report"

// Set is one parsed source of named queries: a model's SQL file or the
// report's queries.
type Set struct {
	name    string
	queries map[string]string
	err     error
}

// MustParse parses src, the SQL file of model name, into a Set, and
// panics when it is malformed. It is meant for a package-level variable
// next to the file's go:embed, so a bad file stops the program when it
// starts and fails the package's tests.
func MustParse(name, src string) *Set {
	qs, err := Sections(name+".sql", src)
	if err != nil {
		panic(err)
	}
	return &Set{name: name, queries: qs}
}

// On returns the Set's queries on conn.
func (s *Set) On(conn warehouse.Conn) *Q { return &Q{s: s, r: conn, conn: conn} }

// Read returns the Set's queries on r, read-only: Exec, Scratch and Stage
// refuse to run (the report's sections read this way).
func (s *Set) Read(r Reader) *Q { return &Q{s: s, r: r} }

// report is the report's queries, sql/report/NAME.sql, parsed once when
// the program starts.
var report = parseReport()

func parseReport() *Set {
	r := &Set{name: ReportSet, queries: map[string]string{}}
	for _, name := range sql.ReportNames() {
		src, err := sql.Report(name)
		if err != nil {
			r.err = errors.Join(r.err, err)
			continue
		}
		r.queries[name] = strings.TrimRight(strings.TrimSpace(src), ";")
	}
	return r
}

// Sections cuts a SQL file into its named queries at lines
// "-- name: <query>"; text before the first marker is a comment. file
// names the source in errors.
func Sections(file, src string) (map[string]string, error) {
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
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(text), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("parse sql %s line %d: query %s given twice", file, line, name)
			}
			continue
		}
		cur.WriteString(text)
		cur.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse sql %s: %w", file, err)
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s has no \"-- name:\" sections", ErrNoSQL, file)
	}
	return out, nil
}

// Sources returns the set's queries as written (placeholders unfilled),
// or the error that kept it from parsing.
func (s *Set) Sources() (map[string]string, error) {
	if s.err != nil {
		return nil, s.err
	}
	out := make(map[string]string, len(s.queries))
	for n, q := range s.queries {
		out[n] = q
	}
	return out, nil
}
