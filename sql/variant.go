package sql

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Version is what Pick needs to know about a server: whether it is at
// least major.minor. warehouse.Version (from Conn.ServerVersion) is one.
type Version interface {
	AtLeast(major, minor int) bool
}

// Variant is one version-specific file of a query: NAME.sql (the portable
// baseline, Since 0.0) or NAME@MAJOR.MINOR.sql (for servers at or above
// MAJOR.MINOR).
type Variant struct {
	File         string
	Major, Minor int
}

var variantName = regexp.MustCompile(`^(.+?)(?:@(\d+)\.(\d+))?\.sql$`)

// Variants lists the files of query name in directory dir of fsys, the
// baseline first, then by version. The baseline is required: every query
// must have a statement that runs on the oldest supported server
// (ClickHouse 18.16).
func Variants(fsys fs.FS, dir, name string) ([]Variant, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("variants of %s: %w", name, err)
	}
	var out []Variant
	for _, e := range entries {
		m := variantName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil || m[1] != name {
			continue
		}
		v := Variant{File: path.Join(dir, e.Name())}
		if m[2] != "" {
			v.Major, _ = strconv.Atoi(m[2])
			v.Minor, _ = strconv.Atoi(m[3])
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Major != out[j].Major {
			return out[i].Major < out[j].Major
		}
		return out[i].Minor < out[j].Minor
	})
	if len(out) == 0 || out[0].Major != 0 || out[0].Minor != 0 {
		return nil, fmt.Errorf("variants of %s in %s: no portable baseline %s.sql", name, dir, name)
	}
	return out, nil
}

// Pick returns the statement of query name (in directory dir of fsys) for
// a server at version v: the variant with the highest MAJOR.MINOR that v
// is at least, else the baseline NAME.sql.
//
// This is memberlytics' one mechanism for SQL that must differ between
// ClickHouse versions. Prefer one portable statement: add a
// NAME@MAJOR.MINOR.sql only when no statement runs on every supported
// version (or the portable one is unreasonably slow on new versions), say
// why in the file's comment, and test each variant on the engine it is for
// (see TestPickBothEnginesIntegration). Migrations cannot have variants:
// internal/platform/migrate applies schema/NNN_name.sql as is, on every version.
func Pick(fsys fs.FS, dir, name string, v Version) (string, error) {
	vs, err := Variants(fsys, dir, name)
	if err != nil {
		return "", err
	}
	chosen := vs[0]
	for _, c := range vs[1:] {
		if v.AtLeast(c.Major, c.Minor) {
			chosen = c
		}
	}
	b, err := fs.ReadFile(fsys, chosen.File)
	if err != nil {
		return "", fmt.Errorf("pick %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}
