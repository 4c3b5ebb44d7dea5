package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/timefmt"
)

// Loaders configures `memberlytics load` (package loaders).
type Loaders struct {
	// BatchRows bounds the rows held in memory and sent to ClickHouse at once.
	BatchRows int `yaml:"batch_rows"`
	// MaxRejectRatio is the share of a file's rows that may be refused
	// before the whole file fails.
	MaxRejectRatio float64 `yaml:"max_reject_ratio"`
	// Timezone is the IANA zone of naive timestamps (no offset given).
	Timezone string `yaml:"timezone"`
	// GCPercent is the Go garbage collector's GOGC while `memberlytics
	// load` runs (the GOGC environment variable wins when set). A load
	// makes short-lived garbage per row; 200 instead of Go's 100 halves the
	// collections for a larger, still batch-bounded, heap.
	GCPercent int `yaml:"gc_percent"`
	// NumberFormat is how amounts write thousands and decimals: "1,234.56"
	// (the default) or "1.234,56". Currency symbols are ignored either way.
	NumberFormat string `yaml:"number_format"`
	// DirectoryGlobs, by kind, are the file names taken from a directory
	// given to `memberlytics load --kind KIND DIR` (files and globs named
	// on the command line are taken as they are).
	DirectoryGlobs map[string]string `yaml:"directory_globs"`
	// Sources are named input layouts, chosen with `load --source NAME`.
	Sources map[string]LoadSource `yaml:"sources"`
}

// LoadSource describes one kind of input file: what it holds, how it is
// written and how its columns map onto the canonical ones.
type LoadSource struct {
	// Kind is members, orders, events, items or campaigns.
	Kind string `yaml:"kind"`
	// Format is csv, ndjson or parquet; empty guesses from the extension.
	Format string `yaml:"format"`
	// Paths are files, directories or globs loaded when the command names none.
	Paths []string `yaml:"paths"`
	// Glob, when set, is the file names taken from a directory in Paths;
	// empty takes every loadable file.
	Glob string `yaml:"glob"`
	// Delimiter is the CSV field separator, one character; default ",".
	Delimiter string `yaml:"delimiter"`
	// Columns maps source column names to canonical ones (order_id, ...).
	// Columns not named keep their own name.
	Columns map[string]string `yaml:"columns"`
	// TimestampLayouts are date formats ("MM/DD/YYYY HH:mm") or Go time
	// layouts tried before the built-in ones.
	TimestampLayouts []string `yaml:"timestamp_layouts"`
	// Timezone overrides loaders.timezone for this source.
	Timezone string `yaml:"timezone"`
}

// LoaderKinds are the kinds a source may load.
var LoaderKinds = []string{"members", "orders", "events", "items", "campaigns"}

func defaultLoaders() Loaders {
	return Loaders{
		BatchRows: 100_000, MaxRejectRatio: 0.01, Timezone: "UTC", GCPercent: 200, NumberFormat: "1,234.56",
		DirectoryGlobs: map[string]string{"members": "*member*", "orders": "*order*", "events": "*event*", "items": "*item*", "campaigns": "*campaign*"},
	}
}

func validateLoaders(l Loaders, add func(key, format string, args ...any)) {
	if l.BatchRows < 1 || l.BatchRows > 10_000_000 {
		add("loaders.batch_rows", "must be between 1 and 10000000, got %d", l.BatchRows)
	}
	if l.GCPercent < 50 || l.GCPercent > 1000 {
		add("loaders.gc_percent", "must be between 50 and 1000, got %d", l.GCPercent)
	}
	if l.MaxRejectRatio < 0 || l.MaxRejectRatio > 1 || l.MaxRejectRatio != l.MaxRejectRatio {
		add("loaders.max_reject_ratio", "must be between 0 and 1, got %v", l.MaxRejectRatio)
	}
	if _, err := time.LoadLocation(l.Timezone); err != nil || l.Timezone == "" {
		add("loaders.timezone", "must be an IANA time zone such as UTC or Asia/Shanghai, got %q", l.Timezone)
	}
	switch l.NumberFormat {
	case "1,234.56", "1.234,56":
	default:
		add("loaders.number_format", "must be \"1,234.56\" or \"1.234,56\", got %q", l.NumberFormat)
	}
	for _, k := range LoaderKinds {
		if _, err := filepath.Match(l.DirectoryGlobs[k], "x"); err != nil || l.DirectoryGlobs[k] == "" {
			add("loaders.directory_globs."+k, "must be a file name pattern such as *%s*, got %q", strings.TrimSuffix(k, "s"), l.DirectoryGlobs[k])
		}
	}
	for k := range l.DirectoryGlobs {
		if !slices.Contains(LoaderKinds, k) {
			add("loaders.directory_globs."+k, "is not a kind (%s)", strings.Join(LoaderKinds, ", "))
		}
	}
	names := make([]string, 0, len(l.Sources))
	for n := range l.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		s := l.Sources[name]
		key := "loaders.sources." + name
		if !validIdentifier(name) {
			add(key, "source name must be letters, digits and _")
		}
		if !slices.Contains(LoaderKinds, s.Kind) {
			add(key+".kind", "must be one of %s, got %q", strings.Join(LoaderKinds, ", "), s.Kind)
		}
		switch s.Format {
		case "", "csv", "ndjson", "parquet":
		default:
			add(key+".format", "must be csv, ndjson, parquet or empty (from the extension), got %q", s.Format)
		}
		if s.Delimiter != "" && (len([]rune(s.Delimiter)) != 1 || s.Delimiter == "\"" || s.Delimiter == "\n" || s.Delimiter == "\r") {
			add(key+".delimiter", "must be one character other than a quote or newline, got %q", s.Delimiter)
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				add(key+".timezone", "must be an IANA time zone, got %q", s.Timezone)
			}
		}
		seen := map[string]string{}
		from := make([]string, 0, len(s.Columns))
		for f := range s.Columns {
			from = append(from, f)
		}
		sort.Strings(from)
		for _, f := range from {
			to := s.Columns[f]
			if to == "" {
				add(key+".columns."+f, "must name a canonical column")
				continue
			}
			if prev, dup := seen[to]; dup {
				add(key+".columns."+f, "maps to %q, as %s already does", to, prev)
			}
			seen[to] = f
		}
		if _, err := filepath.Match(s.Glob, "x"); err != nil {
			add(key+".glob", "must be a file name pattern, got %q", s.Glob)
		}
		for i, layout := range s.TimestampLayouts {
			if _, err := timefmt.Layout(layout); err != nil {
				add(fmt.Sprintf("%s.timestamp_layouts[%d]", key, i), "%v", err)
			}
		}
	}
}
