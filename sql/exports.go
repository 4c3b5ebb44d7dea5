package sql

import (
	"embed"
	"io/fs"
)

// exportsFS holds the exporters' queries, exports/NAME.sql.
//
//go:embed exports/*.sql
var exportsFS embed.FS

// ExportQuery returns the query exports/NAME.sql.
func ExportQuery(name string) (string, error) {
	b, err := fs.ReadFile(exportsFS, "exports/"+name+".sql")
	if err != nil {
		return "", err
	}
	return string(b), nil
}
