package exporters

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Names inside an export directory.
const (
	successFile  = "_SUCCESS"
	manifestFile = "manifest.json"
	lockFile     = ".export.lock"
	partialExt   = ".partial"
	tmpPrefix    = ".tmp-"
	oldPrefix    = ".old-"
	asOfPrefix   = "as_of="
)

// ResolveDir returns the directory an export writes into: base (the
// configured exports.dir, created if missing) when out is empty, else out,
// which must lie inside base. Both are made absolute and their symbolic
// links resolved first, so neither ".." nor a link can lead outside base;
// out is created when it does not exist.
func ResolveDir(base, out string) (string, error) {
	if base == "" {
		return "", fmt.Errorf("resolve export dir: exports.dir is empty")
	}
	if err := os.MkdirAll(base, 0o750); err != nil {
		return "", fmt.Errorf("resolve export dir: %w", err)
	}
	realBase, err := realPath(base)
	if err != nil {
		return "", fmt.Errorf("resolve export dir %s: %w", base, err)
	}
	if out == "" {
		return realBase, nil
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("resolve --out %s: %w", out, err)
	}
	// Resolve the longest existing prefix (it may hold links), then
	// append the part still to be created, which has no links and, being
	// Clean, no "..".
	existing, rest := abs, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	realExisting, err := realPath(existing)
	if err != nil {
		return "", fmt.Errorf("resolve --out %s: %w", out, err)
	}
	target := filepath.Join(realExisting, rest)
	if !within(realBase, target) {
		return "", fmt.Errorf("--out %s resolves to %s, outside %s: %w", out, target, realBase, ErrOutsideDir)
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return "", fmt.Errorf("create --out %s: %w", out, err)
	}
	// Re-check: a link could have appeared between the check and MkdirAll.
	real, err := realPath(target)
	if err != nil || !within(realBase, real) {
		return "", fmt.Errorf("--out %s: %w", out, ErrOutsideDir)
	}
	return real, nil
}

func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether p is base or below it (both clean and absolute).
func within(base, p string) bool {
	if p == base {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(base, string(filepath.Separator))+string(filepath.Separator))
}

// asOfDirName is the folder of one as_of: as_of=YYYY-MM-DD.
func asOfDirName(asOf time.Time) string { return asOfPrefix + asOf.Format(time.DateOnly) }

// dirLock is an exclusive flock on DIR/.export.lock, released when the
// process ends, however it ends.
type dirLock struct{ f *os.File }

func lockDir(dir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open export lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) unlock() { l.f.Close() }

// removeStale deletes the staging folders (.tmp-*, .old-*) killed exports
// left behind. The caller holds the directory lock, so none is in use.
func removeStale(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, tmpPrefix) || strings.HasPrefix(n, oldPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("remove stale %s: %w", n, err)
			}
		}
	}
	return nil
}

// stagedFile is a data file being written as NAME.partial in the staging
// folder. Every byte passes through the SHA-256 and the count.
type stagedFile struct {
	dir, name string
	f         *os.File
	bw        *bufio.Writer
	h         hash.Hash
	n         int64
}

func createStaged(dir, name string) (*stagedFile, error) {
	f, err := os.OpenFile(filepath.Join(dir, name+partialExt), os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return &stagedFile{dir: dir, name: name, f: f, bw: bufio.NewWriterSize(f, 1<<20), h: sha256.New()}, nil
}

// Write implements io.Writer.
func (s *stagedFile) Write(p []byte) (int, error) {
	s.h.Write(p)
	n, err := s.bw.Write(p)
	s.n += int64(n)
	return n, err
}

// Seek reports the position; the Arrow IPC writer only asks where it is.
func (s *stagedFile) Seek(offset int64, whence int) (int64, error) {
	if offset == 0 && whence == io.SeekCurrent {
		return s.n, nil
	}
	return 0, fmt.Errorf("seek %s: only the current position can be read", s.name)
}

// commit flushes, fsyncs and renames NAME.partial to NAME; it returns the
// size and SHA-256 of what was written.
func (s *stagedFile) commit() (int64, string, error) {
	if err := s.bw.Flush(); err != nil {
		s.f.Close()
		return 0, "", fmt.Errorf("write %s: %w", s.name, err)
	}
	if err := s.f.Sync(); err != nil {
		s.f.Close()
		return 0, "", fmt.Errorf("fsync %s: %w", s.name, err)
	}
	if err := s.f.Close(); err != nil {
		return 0, "", fmt.Errorf("close %s: %w", s.name, err)
	}
	if err := os.Rename(filepath.Join(s.dir, s.name+partialExt), filepath.Join(s.dir, s.name)); err != nil {
		return 0, "", fmt.Errorf("rename %s: %w", s.name, err)
	}
	return s.n, hex.EncodeToString(s.h.Sum(nil)), nil
}

// abort closes and removes the partial file.
func (s *stagedFile) abort() {
	s.f.Close()
	os.Remove(filepath.Join(s.dir, s.name+partialExt))
}

// writeSmallFile writes data to dir/name through a .partial file, fsync and
// rename.
func writeSmallFile(dir, name string, data []byte) error {
	s, err := createStaged(dir, name)
	if err != nil {
		return err
	}
	if _, err := s.Write(data); err != nil {
		s.abort()
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, _, err = s.commit()
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// swapIn makes the complete staging folder tmp the as_of folder final. When
// final exists the two are exchanged atomically (renameat2
// RENAME_EXCHANGE), so readers see either the old or the new export, and
// the old one is then deleted; where the file system cannot exchange, the
// old folder is renamed aside first, leaving a moment with no folder.
func swapIn(root, tmp, final string) error {
	fi, err := os.Lstat(final)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("publish %s: %w", filepath.Base(final), err)
		}
		return syncDir(root)
	case err != nil:
		return fmt.Errorf("publish %s: %w", filepath.Base(final), err)
	case !fi.IsDir() || fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("publish %s: exists and is not a plain folder: %w", filepath.Base(final), ErrOutsideDir)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, final, unix.RENAME_EXCHANGE); err != nil {
		old := filepath.Join(root, oldPrefix+filepath.Base(final))
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("publish %s: move old aside: %w", filepath.Base(final), err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("publish %s: %w", filepath.Base(final), err)
		}
		tmp = old
	}
	if err := syncDir(root); err != nil {
		return err
	}
	// tmp now holds the previous export: make it look incomplete, then drop it.
	os.Remove(filepath.Join(tmp, successFile))
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove previous export: %w", err)
	}
	return nil
}
