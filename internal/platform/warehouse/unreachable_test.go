package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

func TestUnreachable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"refused dial", context.Background(), fmt.Errorf("list tables: %w", refused), true},
		{"dropped connection", context.Background(), fmt.Errorf("read: %w", io.EOF), true},
		{"server exception", context.Background(), &clickhouse.Exception{Code: 60, Message: "table does not exist"}, false},
		{"other error", context.Background(), errors.New("bad pattern"), false},
		{"ctx done", done, refused, false},
		{"nil", context.Background(), nil, false},
	} {
		if got := warehouse.Unreachable(tc.ctx, tc.err); got != tc.want {
			t.Errorf("%s: Unreachable = %v, want %v", tc.name, got, tc.want)
		}
	}
}
