package config

import (
	"path/filepath"
	"slices"
	"strings"
)

// Exports configures `memberlytics export` and the export job (package
// exporters).
type Exports struct {
	// Dir is where as_of=YYYY-MM-DD folders are published. Exports never
	// write outside it; --out must name a directory inside it.
	Dir string `yaml:"dir"`
	// Formats are written for every table: parquet, csv and/or arrow.
	Formats []string `yaml:"formats"`
	// Parquet tunes the Parquet files.
	Parquet ExportsParquet `yaml:"parquet"`
	// Retention bounds how many as_of folders are kept.
	Retention ExportsRetention `yaml:"retention"`
	// MaxExitShare is the largest share (0 < x <= 1) of a family's members
	// in the previous snapshot that may leave it in one segment_changes;
	// beyond it the export is refused unless --allow-mass-exit.
	MaxExitShare float64 `yaml:"max_exit_share"`
	// ExitCheckSkipFamilies are the segment families the mass-exit check
	// passes over: families whose members rotate by design (occasion:
	// birthdays and anniversaries in the next days). An empty list checks
	// every family.
	ExitCheckSkipFamilies []string `yaml:"exit_check_skip_families"`
}

// ExportsParquet tunes the Parquet files.
type ExportsParquet struct {
	// Compression is zstd or snappy.
	Compression string `yaml:"compression"`
	// RowGroupRows is the most rows per row group.
	RowGroupRows int `yaml:"row_group_rows"`
}

// ExportsRetention bounds how many as_of folders are kept.
type ExportsRetention struct {
	// KeepLast keeps the newest N complete as_of folders after each export;
	// 0 keeps all.
	KeepLast int `yaml:"keep_last"`
}

// ExportFormats are the formats exports.formats may list.
var ExportFormats = []string{"parquet", "csv", "arrow"}

func defaultExports() Exports {
	return Exports{
		Dir:     "exports",
		Formats: []string{"parquet", "csv", "arrow"},
		Parquet: ExportsParquet{Compression: "zstd", RowGroupRows: 1 << 20},
		// Half of a family leaving at once is more likely an upstream
		// fault than a real change: refuse by default.
		MaxExitShare: 0.5,
		// occasion lists the members with an occasion in the next
		// models.occasions.days days: most of them leave it every week.
		ExitCheckSkipFamilies: []string{"occasion"},
	}
}

func validateExports(e Exports, add func(key, format string, args ...any)) {
	if e.Dir == "" {
		add("exports.dir", "must not be empty")
	} else if systemDir(e.Dir) {
		add("exports.dir", "must not be / or a system directory, got %q", e.Dir)
	}
	if len(e.Formats) == 0 {
		add("exports.formats", "must list at least one of parquet, csv, arrow")
	}
	for i, f := range e.Formats {
		if !slices.Contains(ExportFormats, f) {
			add("exports.formats", "must be parquet, csv or arrow, got %q", f)
		} else if slices.Index(e.Formats, f) != i {
			add("exports.formats", "lists %q twice", f)
		}
	}
	if e.Parquet.Compression != "zstd" && e.Parquet.Compression != "snappy" {
		add("exports.parquet.compression", "must be zstd or snappy, got %q", e.Parquet.Compression)
	}
	if e.Parquet.RowGroupRows < 1000 || e.Parquet.RowGroupRows > 100_000_000 {
		add("exports.parquet.row_group_rows", "must be between 1000 and 100000000, got %d", e.Parquet.RowGroupRows)
	}
	if !(e.MaxExitShare > 0 && e.MaxExitShare <= 1) {
		add("exports.max_exit_share", "must be more than 0 and at most 1 (a share of a family's members), got %g", e.MaxExitShare)
	}
	for i, f := range e.ExitCheckSkipFamilies {
		if f == "" {
			add("exports.exit_check_skip_families", "must not list an empty family name")
		} else if slices.Index(e.ExitCheckSkipFamilies, f) != i {
			add("exports.exit_check_skip_families", "lists %q twice", f)
		}
	}
	if e.Retention.KeepLast < 0 {
		add("exports.retention.keep_last", "must be 0 (keep all) or more, got %d", e.Retention.KeepLast)
	}
}

// systemDirs may never be exports.dir: retention deletes folders inside
// it. Nothing below the ones marked true may be either.
var systemDirs = map[string]bool{
	"/": false, "/etc": true, "/usr": false, "/usr/bin": true, "/usr/sbin": true,
	"/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true, "/usr/libexec": true,
	"/usr/include": true, "/usr/share": false, "/usr/local": false, "/bin": true,
	"/sbin": true, "/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/boot": true, "/dev": true, "/proc": true, "/sys": true, "/run": false,
	"/var": false, "/var/lib": false, "/var/log": false, "/var/run": false,
	"/root": false, "/home": false, "/opt": false, "/srv": false, "/tmp": false,
	"/mnt": false, "/media": false,
}

// systemDir reports whether dir, made absolute (and with symlinks resolved
// when it exists), is / or a system directory.
func systemDir(dir string) bool {
	paths := []string{filepath.Clean(dir)}
	if abs, err := filepath.Abs(dir); err == nil {
		paths = append(paths, abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			paths = append(paths, real)
		}
	}
	for _, p := range paths {
		if _, ok := systemDirs[p]; ok {
			return true
		}
		for sys, below := range systemDirs {
			if below && strings.HasPrefix(p, sys+"/") {
				return true
			}
		}
	}
	return false
}
