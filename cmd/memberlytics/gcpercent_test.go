package main

import (
	"runtime/debug"
	"testing"
)

// TestSetGCPercent is not parallel: GOGC is process-wide.
func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	tests := []struct {
		name   string
		gogc   string
		during int
	}{
		{"config value", "", 250},
		{"GOGC env wins", "80", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := setGCPercent(250, func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			})
			if got := debug.SetGCPercent(tt.during); got != tt.during {
				t.Errorf("during the load GOGC = %d, want %d", got, tt.during)
			}
			restore()
			if got := debug.SetGCPercent(100); got != 100 {
				t.Errorf("after restore GOGC = %d, want 100", got)
			}
		})
	}
}
