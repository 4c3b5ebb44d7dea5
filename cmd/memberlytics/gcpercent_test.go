package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestSetGCPercent is not parallel: GOGC and the memory limit are
// process-wide.
func TestSetGCPercent(t *testing.T) {
	const noLimit = math.MaxInt64
	before := debug.SetGCPercent(100)
	beforeLimit := debug.SetMemoryLimit(noLimit)
	defer func() { debug.SetGCPercent(before); debug.SetMemoryLimit(beforeLimit) }()
	tests := []struct {
		name        string
		gogc, limit string
		during      int
		duringLimit int64
	}{
		{"config value", "", "", 250, loadMemoryLimit},
		{"GOGC env wins", "80", "", 100, loadMemoryLimit},
		{"GOMEMLIMIT env wins", "", "1GiB", 250, noLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := setGCPercent(250, func(k string) string {
				switch k {
				case "GOGC":
					return tt.gogc
				case "GOMEMLIMIT":
					return tt.limit
				}
				return ""
			})
			if got := debug.SetGCPercent(tt.during); got != tt.during {
				t.Errorf("during the load GOGC = %d, want %d", got, tt.during)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.duringLimit {
				t.Errorf("during the load the memory limit = %d, want %d", got, tt.duringLimit)
			}
			restore()
			if got := debug.SetGCPercent(100); got != 100 {
				t.Errorf("after restore GOGC = %d, want 100", got)
			}
			if got := debug.SetMemoryLimit(-1); got != noLimit {
				t.Errorf("after restore the memory limit = %d, want none", got)
			}
		})
	}
}

// TestSetMemoryLimit: every command's default soft limit, unless
// GOMEMLIMIT is set (then the runtime's own, read from it, stays).
func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(before)
	setMemoryLimit(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Errorf("limit %d, want %d", got, memoryLimit)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	})
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit is %d, want it left alone", got)
	}
	if memoryLimit <= loadMemoryLimit || memoryLimit > 512<<20 {
		t.Errorf("memoryLimit %d MiB should lie above the load's %d MiB and under the 512 MiB goal", memoryLimit>>20, loadMemoryLimit>>20)
	}
}
