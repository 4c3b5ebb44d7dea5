// Package local holds the configuration templates of the managed local
// ClickHouse server (memberlytics clickhouse start, make demo, and the test
// harness). internal/devtools/localch renders them.
package local

import "embed"

// Templates holds config.xml.tmpl and users.xml.tmpl.
//
//go:embed *.tmpl
var Templates embed.FS
