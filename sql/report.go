package sql

import (
	"embed"
	"fmt"
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
