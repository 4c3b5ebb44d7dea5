package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/memberlytics/memberlytics/jobs"
)

func TestRenderBar(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		frac float64
		want string
	}{
		{0, "[----------]   0%"},
		{0.38, "[###-------]  38%"},
		{1, "[##########] 100%"},
		{1.7, "[##########] 100%"},
		{-1, "[----------]   0%"},
	} {
		if got := renderBar(tt.frac, 10); got != tt.want {
			t.Errorf("renderBar(%v) = %q, want %q", tt.frac, got, tt.want)
		}
	}
}

// openPTY returns the terminal end of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	go func() { _, _ = io.Copy(io.Discard, ptmx) }()
	return pts
}

// Progress bars go to a terminal only: never into a pipe, a file, /dev/null
// (a character device, which the old check took for a terminal), a CI log
// or a dumb terminal.
func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(t.TempDir() + "/log")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pty := openPTY(t)
	for _, tt := range []struct {
		name   string
		stderr io.Writer
		env    map[string]string
		bar    bool
	}{
		{"pipe", w, nil, false},
		{"/dev/null", devNull, nil, false},
		{"file", file, nil, false},
		{"buffer", &bytes.Buffer{}, nil, false},
		{"terminal", pty, nil, true},
		{"terminal in CI", pty, map[string]string{"CI": "true"}, false},
		{"dumb terminal", pty, map[string]string{"TERM": "dumb"}, false},
	} {
		a := &app{stderr: tt.stderr, getenv: func(k string) string { return tt.env[k] }}
		if got := a.newProgress() != nil; got != tt.bar {
			t.Errorf("%s: progress bar %v, want %v", tt.name, got, tt.bar)
		}
	}
}

// The jobs' progress line names the running job and its place in the plan,
// and is cleared at the end.
func TestJobsProgressLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	hear, stop := jobsProgress(&progress{w: &buf})
	hear(0, 3, jobs.Run{Job: "load_orders", Status: jobs.StatusRunning})
	hear(0, 3, jobs.Run{Job: "load_orders", Status: jobs.StatusSucceeded})
	hear(1, 3, jobs.Run{Job: "rfm", Status: jobs.StatusRunning})
	stop()
	out := buf.String()
	for _, want := range []string{"[------------------------]   0% 0/3 load_orders 0.00s", "  33% 1/3 rfm 0.00s"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress output does not end by clearing the line: %q", out)
	}
	nop, stopNop := jobsProgress(nil)
	if nop != nil {
		t.Error("jobsProgress(nil) returned a callback; want nil (no bar)")
	}
	stopNop()
}
