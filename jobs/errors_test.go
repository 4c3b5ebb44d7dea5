package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestIsTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"marked transient", Transient(errors.New("flaky")), true},
		{"marked permanent over a network error", Permanent(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), false},
		{"connection refused", fmt.Errorf("open: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"cut short", fmt.Errorf("read block: %w", io.ErrUnexpectedEOF), true},
		{"server overloaded", &clickhouse.Exception{Code: 202, Message: "Too many simultaneous queries"}, true},
		{"server memory limit", fmt.Errorf("run rfm: %w", &clickhouse.Exception{Code: 241}), true},
		{"server timeout", &clickhouse.Exception{Code: 159}, true},
		{"syntax error", &clickhouse.Exception{Code: 62}, false},
		{"unknown table", &clickhouse.Exception{Code: 60}, false},
		{"cannot parse input", &clickhouse.Exception{Code: 27}, false},
		{"cancelled", context.Canceled, false},
		{"job timeout", fmt.Errorf("%w after 1s", ErrTimeout), false},
	}
	for _, tt := range tests {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 6, Initial: time.Second, Max: 5 * time.Second}
	tests := []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 5 * time.Second}, {10, 5 * time.Second}}
	for _, tt := range tests {
		if got := p.Backoff(tt.attempt, nil); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
	p.Jitter = 0.5
	if got := p.Backoff(2, func() float64 { return 0.999 }); got > 2*time.Second || got < time.Second {
		t.Errorf("jittered Backoff(2) = %s, want within [1s, 2s]", got)
	}
	if got := p.Backoff(2, func() float64 { return 0 }); got != 2*time.Second {
		t.Errorf("Backoff(2) with zero jitter draw = %s, want 2s", got)
	}
}
