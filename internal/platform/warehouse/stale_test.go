package warehouse_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// dropProxy forwards TCP connections to a ClickHouse server and can cut
// every connection open so far, as a server restart or a network drop
// does to a pool's idle connections.
type dropProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	open   []net.Conn
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.open = append(p.open, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

// drop closes every connection made through the proxy so far.
func (p *dropProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
}

// A pooled connection the server side dropped must not fail the next
// query or batch, and a batch must still land exactly once. (clickhouse-go
// notices most dead idle connections itself; Query and PrepareBatch also
// try again on the errors TestStaleConn lists.) A query the server
// rejects still fails.
func TestStalePooledConnectionIsReplacedIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var proxy *dropProxy
	conn := chtest.NewDBWith(t, func(c *config.ClickHouse) {
		proxy = newDropProxy(t, c.Addr)
		c.Addr = proxy.ln.Addr().String()
		c.MaxOpenConns, c.MaxIdleConns = 1, 1
	}, warehouse.Options{})
	if err := conn.Exec(ctx, "CREATE TABLE t (n UInt64) ENGINE = MergeTree() ORDER BY n"); err != nil {
		t.Fatal(err)
	}
	count := func() uint64 {
		t.Helper()
		rows, err := conn.Query(ctx, "SELECT count() FROM t")
		if err != nil {
			t.Fatalf("query after the pooled connection was dropped: %v", err)
		}
		defer rows.Close()
		var n uint64
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	count()
	for round := 1; round <= 3; round++ {
		proxy.drop()
		b, err := conn.PrepareBatch(ctx, "INSERT INTO t (n)")
		if err != nil {
			t.Fatalf("round %d: batch after the pooled connection was dropped: %v", round, err)
		}
		if err := b.Append(uint64(round)); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
		proxy.drop()
		if n := count(); n != uint64(round) {
			t.Fatalf("round %d: %d rows, want %d (each batch exactly once)", round, n, round)
		}
	}
	if _, err := conn.Query(ctx, "SELECT no_such_column FROM t"); err == nil {
		t.Error("a wrong query succeeded")
	}
}
