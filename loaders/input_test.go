package loaders_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// notRegular makes a FIFO, and names a character device and a directory:
// inputs that are not regular files.
func notRegular(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "orders.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	sub := filepath.Join(dir, "orders_dir.csv")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"/dev/zero": "a character device",
		fifo:        "a named pipe (FIFO)",
		sub:         "a directory",
	}
}

// A FIFO, a device or a directory given where a file is expected is
// refused before anything is read (hashing /dev/zero spun for ever; a FIFO
// with no writer blocked in open) with an error naming the path.
func TestLoadFileRefusesNotRegularIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	for path, kind := range notRegular(t) {
		l := newLoader(t, conn, loaders.Options{Kind: loaders.Orders, Format: loaders.CSV})
		done := make(chan error, 1)
		go func() {
			_, err := l.LoadFile(context.Background(), path)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, loaders.ErrNotRegularFile) || !strings.Contains(err.Error(), path+": not a regular file: "+kind) {
				t.Errorf("LoadFile(%s) = %v, want ErrNotRegularFile naming the path and %q", path, err, kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadFile(%s) still running after 10s: it reads what it should refuse", path)
		}
	}
}

// ExpandPaths refuses a named path that is not a regular file or a
// directory, and such an entry inside a directory.
func TestExpandPathsRefusesNotRegular(t *testing.T) {
	t.Parallel()
	for path, kind := range notRegular(t) {
		if kind == "a directory" {
			continue // a directory is expanded
		}
		_, err := loaders.ExpandPaths([]string{path}, "")
		if !errors.Is(err, loaders.ErrNotRegularFile) || !strings.Contains(err.Error(), path+": not a regular file: "+kind) {
			t.Errorf("ExpandPaths(%s) = %v, want ErrNotRegularFile naming it", path, err)
		}
		if path == "/dev/zero" {
			continue
		}
		_, err = loaders.ExpandPaths([]string{filepath.Dir(path)}, "")
		if !errors.Is(err, loaders.ErrNotRegularFile) || !strings.Contains(err.Error(), path) {
			t.Errorf("ExpandPaths(dir of %s) = %v, want ErrNotRegularFile naming it", path, err)
		}
	}
}
