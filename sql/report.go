package sql

import (
	"embed"
	"fmt"
	"strings"
)

// reportFS holds the HTML report's read-only queries, report/NAME.sql. They
// read model output tables only.
//
//go:embed report/*.sql
var reportFS embed.FS

// Report returns the report query report/NAME.sql, or an error naming a
// missing file.
func Report(name string) (string, error) {
	b, err := reportFS.ReadFile("report/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("read report query %s: %w", name, err)
	}
	return string(b), nil
}

// ReportNames lists the report queries, report/NAME.sql.
func ReportNames() []string {
	ents, _ := reportFS.ReadDir("report")
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			out = append(out, n)
		}
	}
	return out
}
