package exporters

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// published lists the complete as_of folders of dir (plain folders named
// as_of=YYYY-MM-DD holding _SUCCESS), newest first.
func published(dir string) ([]time.Time, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list exports in %s: %w", dir, err)
	}
	var out []time.Time
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, asOfPrefix) || e.Type()&os.ModeSymlink != 0 || !e.IsDir() {
			continue
		}
		d, err := time.Parse(time.DateOnly, strings.TrimPrefix(name, asOfPrefix))
		if err != nil || asOfDirName(d) != name {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(dir, name, successFile)); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].After(out[j]) })
	return out, nil
}

// previousExport returns the latest complete as_of in dir before asOf, or
// the zero time.
func previousExport(dir string, asOf time.Time) (time.Time, error) {
	all, err := published(dir)
	if err != nil {
		return time.Time{}, err
	}
	for _, d := range all {
		if d.Before(asOf) {
			return d, nil
		}
	}
	return time.Time{}, nil
}

// applyRetention keeps the keepLast newest complete as_of folders of dir
// and deletes the older ones, returning the as_of dates deleted. keepLast
// 0 keeps everything. Each folder loses its _SUCCESS (by being renamed to
// a staging name) before its files, so no reader sees a half-deleted
// folder as complete. Folders that are not complete exports are left alone.
func applyRetention(dir string, keepLast int) ([]time.Time, error) {
	if keepLast <= 0 {
		return nil, nil
	}
	all, err := published(dir)
	if err != nil {
		return nil, err
	}
	if len(all) <= keepLast {
		return nil, nil
	}
	var removed []time.Time
	for _, d := range all[keepLast:] {
		if _, err := remove(dir, d); err != nil {
			return removed, fmt.Errorf("retention: %w", err)
		}
		removed = append(removed, d)
	}
	return removed, syncDir(dir)
}

// Remove deletes the as_of folder of asOf from the export directory dir
// (exports.dir, see ResolveDir), complete or not, and reports whether
// there was one. The folder loses its _SUCCESS (by being renamed to a
// staging name) before its files, so no reader sees a half-deleted folder
// as complete.
func Remove(dir string, asOf time.Time) (bool, error) {
	ok, err := remove(dir, asOf)
	if err != nil || !ok {
		return ok, err
	}
	return true, syncDir(dir)
}

func remove(dir string, asOf time.Time) (bool, error) {
	name := asOfDirName(asOf)
	aside := filepath.Join(dir, oldPrefix+name)
	if err := os.Rename(filepath.Join(dir, name), aside); err != nil {
		if os.IsNotExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("retire %s: %w", name, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return true, fmt.Errorf("remove %s: %w", name, err)
	}
	return true, nil
}
