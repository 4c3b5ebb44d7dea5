package warehouse_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// A batch whose context is cancelled right after Send returns (a job's
// deferred cancel does this) must leave its pooled connection usable.
// clickhouse-go up to v2.50.0 stopped the Send watchdog without waiting
// for its goroutine, which could still see the cancelled context and
// close the TCP connection after it went back to the pool; the next user
// of that connection then failed with "use of closed network connection"
// (a CI run failed so when recording a job run; upstream pull request
// ClickHouse/clickhouse-go#2032, fixed in v2.51.0). With one pooled
// connection every round reuses the one Send just released.
func TestBatchCancelAfterSendKeepsPooledConnectionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDBWith(t, func(c *config.ClickHouse) { c.MaxOpenConns, c.MaxIdleConns = 1, 1 }, warehouse.Options{})
	bg := context.Background()
	if err := conn.Exec(bg, "CREATE TABLE t (n UInt64) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	const rounds = 300
	for i := 0; i < rounds; i++ {
		ctx, cancel := context.WithCancel(bg)
		b, err := conn.PrepareBatch(ctx, "INSERT INTO t (n)")
		if err != nil {
			cancel()
			t.Fatalf("round %d: prepare: %v", i, err)
		}
		if err := b.Append(uint64(i)); err != nil {
			cancel()
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			cancel()
			t.Fatalf("round %d: send: %v", i, err)
		}
		cancel()
		runtime.Gosched()
		// Exec is not retried on a dead connection, so it shows the break.
		if err := conn.Exec(bg, "SELECT 1"); err != nil {
			t.Fatalf("round %d: the connection the cancelled batch released is broken: %v", i, err)
		}
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM t"); n != rounds {
		t.Errorf("%d rows, want %d (each batch exactly once)", n, rounds)
	}
}
