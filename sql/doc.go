// Package sql embeds memberlytics' SQL: schema migrations under schema/
// (NNN_name.sql, applied in order by internal/platform/migrate). A model's
// queries live in its folder, models/<name>/<name>.sql.
//
// Every statement must run on ClickHouse 18.16 and on 23.8+: no window
// functions, no WITH name AS (subquery), no LowCardinality, no table-level
// COMMENT (table comments are schema/table_comments.tsv, which
// internal/platform/migrate sets where the server supports them), MergeTree() ...
// ORDER BY syntax. internal/testkit/compat's tests run them on 18.16 and on 26.7
// (chDB) and compare the results.
package sql

import (
	"embed"
	"io/fs"
)

// Schema holds the migrations, schema/NNN_name.sql, and the table and
// view comments internal/platform/migrate sets, schema/table_comments.tsv.
//
//go:embed schema/*.sql schema/table_comments.tsv
var Schema embed.FS

// Migrations returns the migrations directory, for internal/platform/migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(Schema, "schema")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
