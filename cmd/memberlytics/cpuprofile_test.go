package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCPUProfileFlagWritesAProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	if out, err := run(t, nil, "--cpuprofile", path, "version"); err != nil {
		t.Fatalf("version --cpuprofile: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// pprof profiles are gzip-compressed protocol buffers.
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("profile is %d bytes and not gzip data", len(b))
	}
}

func TestCPUProfileFlagUnwritablePathFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "cpu.prof")
	out, err := run(t, nil, "--cpuprofile", path, "version")
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") || !strings.Contains(err.Error(), "no-such-dir") {
		t.Fatalf("want a --cpuprofile error naming the path, got %v\n%s", err, out)
	}
}
