package sql

import (
	"embed"
	"fmt"
)

// jobsFS holds the job runner's queries: the run history and the data
// checks, jobs/NAME.sql.
//
//go:embed jobs/*.sql
var jobsFS embed.FS

// Jobs returns the job runner's query jobs/NAME.sql, or an error naming a
// missing file.
func Jobs(name string) (string, error) {
	b, err := jobsFS.ReadFile("jobs/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("read jobs query %s: %w", name, err)
	}
	return string(b), nil
}
