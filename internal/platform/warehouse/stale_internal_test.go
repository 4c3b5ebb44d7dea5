package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestStaleConn(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	// The error a CI run saw when the pool handed out a closed connection.
	closed := fmt.Errorf("query processing: failed to read packet from 127.0.0.1:37007 (conn_id=1): read: %w",
		&net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"closed by us", context.Background(), closed, true},
		{"reset by the server", context.Background(), &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"broken pipe", context.Background(), fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"eof", context.Background(), fmt.Errorf("read: %w", io.EOF), true},
		{"server exception", context.Background(), &clickhouse.Exception{Code: 47, Message: "Missing columns"}, false},
		{"plain error", context.Background(), errors.New("clickhouse [Append]: converting string to UInt64 is unsupported"), false},
		{"context cancelled", cancelled, closed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staleConn(tt.ctx, tt.err); got != tt.want {
				t.Errorf("staleConn(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
