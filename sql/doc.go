// Package sql embeds memberlytics' SQL: schema migrations under schema/
// (NNN_name.sql, applied in order by internal/migrate) and model queries.
//
// Every statement must run on ClickHouse 18.16 and on 23.8+: no window
// functions, no WITH name AS (subquery), no LowCardinality, no table-level
// COMMENT, MergeTree() ... ORDER BY syntax.
package sql

import (
	"embed"
	"io/fs"
)

// Schema holds the migrations, schema/NNN_name.sql.
//
//go:embed schema/*.sql
var Schema embed.FS

// Migrations returns the migrations directory, for internal/migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(Schema, "schema")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
