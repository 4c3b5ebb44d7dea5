package chdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LibraryEnv names the environment variable that points Locate at a
// libchdb.so.
const LibraryEnv = "MEMBERLYTICS_LIBCHDB"

// cachePath is where scripts/fetch-libchdb.sh puts the library, relative
// to the module root.
var cachePath = filepath.Join(".cache", "chdb", "libchdb.so")

// Locate finds libchdb.so for tests: the file named by
// MEMBERLYTICS_LIBCHDB when that is set, otherwise
// <module root>/.cache/chdb/libchdb.so, the module root being the nearest
// directory at or above the working directory holding go.mod. The error
// wraps ErrLibraryNotFound and names both places.
//
// Locate reads the environment and the working directory: it is meant for
// tests and tools, not for the packages they exercise.
func Locate() (string, error) {
	if p := os.Getenv(LibraryEnv); p != "" {
		if err := isFile(p); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %w", ErrLibraryNotFound, LibraryEnv, p, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate libchdb.so: %w", err)
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not set and %w", ErrLibraryNotFound, LibraryEnv, err)
	}
	p := filepath.Join(root, cachePath)
	if err := isFile(p); err != nil {
		return "", fmt.Errorf("%w: %s is not set and %s is missing (run scripts/fetch-libchdb.sh): %w",
			ErrLibraryNotFound, LibraryEnv, p, err)
	}
	return p, nil
}

// moduleRoot walks up from dir to the first directory holding go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod at or above %s to find %s under", dir, cachePath)
		}
		d = parent
	}
}

func isFile(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory")
	}
	if st.Size() == 0 {
		return errors.New("is empty")
	}
	return nil
}
