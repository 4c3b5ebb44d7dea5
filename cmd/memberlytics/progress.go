package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/memberlytics/memberlytics/jobs"
)

// progress is one status line redrawn in place on a terminal: a bar and a
// note. A nil *progress draws nothing, so callers need not check. It is
// safe for concurrent use.
type progress struct {
	w     io.Writer
	every time.Duration

	mu   sync.Mutex
	last time.Time
	frac float64
	note string
}

// newProgress returns a progress line on stderr when stderr is a terminal
// (golang.org/x/term) and not a CI log or a dumb terminal; else nil: bars
// are never written into pipes, files or CI logs.
func (a *app) newProgress() *progress {
	f, ok := a.stderr.(*os.File)
	if !ok || !isTerminal(f) || a.getenv("CI") != "" || a.getenv("TERM") == "dumb" {
		return nil
	}
	return &progress{w: a.stderr, every: 100 * time.Millisecond}
}

// isTerminal reports whether f is a terminal (not a pipe, a file or
// /dev/null, which a character-device check would take for one).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// set draws frac (0 to 1) and note, at most every 100 ms.
func (p *progress) set(frac float64, note string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frac, p.note = frac, note
	if time.Since(p.last) < p.every {
		return
	}
	p.drawLocked()
}

func (p *progress) drawLocked() {
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K%s %s", renderBar(p.frac, 24), p.note)
}

// clear erases the line, so what is printed next starts clean.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
	p.last = time.Time{}
}

// renderBar is a bar of width cells filled to frac, and the percentage:
// [#########---------------]  38%.
func renderBar(frac float64, width int) string {
	frac = min(max(frac, 0), 1)
	n := int(frac * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "] " + fmt.Sprintf("%3.0f%%", frac*100)
}

// jobsProgress returns a Request.Progress that draws the plan's progress
// and the running job with its elapsed time (redrawn every second while a
// long job runs), and a function that stops it and clears the line. With
// p nil both do nothing.
func jobsProgress(p *progress) (func(i, n int, run jobs.Run), func()) {
	if p == nil {
		return nil, func() {}
	}
	var (
		mu            sync.Mutex
		done, total   int
		job           string
		since         time.Time
		stop, stopped = make(chan struct{}), make(chan struct{})
		draw          func()
	)
	draw = func() {
		mu.Lock()
		defer mu.Unlock()
		if job == "" {
			return
		}
		p.set(float64(done)/float64(max(total, 1)), fmt.Sprintf("%d/%d %s %ss", done, total, job, seconds(time.Since(since))))
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				draw()
			}
		}
	}()
	hear := func(i, n int, run jobs.Run) {
		mu.Lock()
		total = n
		if run.Status == jobs.StatusRunning {
			done, job, since = i, run.Job, time.Now()
		} else {
			done, job = i+1, ""
		}
		mu.Unlock()
		if run.Status == jobs.StatusRunning {
			draw()
		}
	}
	return hear, func() {
		close(stop)
		<-stopped
		p.clear()
	}
}
