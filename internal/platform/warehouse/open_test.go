package warehouse_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// hangUp listens on a loopback port and closes every connection at once:
// a server that does not answer, as one still starting may not.
func hangUp(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestOpenRetriesThenGivesUp(t *testing.T) {
	t.Parallel()
	cfg := config.Default().ClickHouse
	cfg.Addr = hangUp(t)
	cfg.ConnectAttempts = 3
	cfg.ConnectBackoff = config.Duration(10 * time.Millisecond)
	cfg.DialTimeout = config.Duration(200 * time.Millisecond)
	cfg.Password = "do-not-print-me"
	var logs bytes.Buffer
	_, err := warehouse.Open(context.Background(), cfg, warehouse.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err == nil || !strings.Contains(err.Error(), "no answer after 3 attempts") {
		t.Fatalf("err = %v, want it to give up after 3 attempts", err)
	}
	if n := strings.Count(logs.String(), "retrying"); n != 2 {
		t.Errorf("logged %d retries, want 2 (between 3 attempts):\n%s", n, logs.String())
	}
	if strings.Contains(err.Error()+logs.String(), "do-not-print-me") {
		t.Error("password printed")
	}
}

// A refused connection to a loopback address means no server is there:
// Open fails on the first attempt with ErrNoServer.
func TestOpenRefusedLoopbackFailsAtOnce(t *testing.T) {
	t.Parallel()
	cfg := config.Default().ClickHouse
	cfg.Addr = "127.0.0.1:1" // nothing listens on port 1
	cfg.ConnectAttempts = 5
	cfg.ConnectBackoff = config.Duration(time.Hour)
	var logs bytes.Buffer
	_, err := warehouse.Open(context.Background(), cfg, warehouse.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !errors.Is(err, warehouse.ErrNoServer) {
		t.Fatalf("err = %v, want ErrNoServer", err)
	}
	if strings.Contains(logs.String(), "retrying") {
		t.Errorf("retried a refused loopback connection:\n%s", logs.String())
	}
}

func TestOpenHonoursContext(t *testing.T) {
	t.Parallel()
	cfg := config.Default().ClickHouse
	cfg.Addr = hangUp(t)
	cfg.ConnectAttempts = 100
	cfg.ConnectBackoff = config.Duration(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := warehouse.Open(ctx, cfg, warehouse.Options{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}

func TestOpenDoesNotRetryBadCredentialsIntegration(t *testing.T) {
	t.Parallel()
	cfg := chtest.Config(t, "default")
	cfg.User = "nobody_here"
	cfg.ConnectAttempts = 5
	cfg.ConnectBackoff = config.Duration(time.Second)
	var logs bytes.Buffer
	_, err := warehouse.Open(context.Background(), cfg, warehouse.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		t.Fatalf("err = %v, want the server's exception", err)
	}
	if strings.Contains(logs.String(), "retrying") {
		t.Errorf("an unknown user was retried:\n%s", logs.String())
	}
}

func TestOpenCreatesDatabaseAndTimesQueriesIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m := warehouse.NewMetrics(reg)
	conn := chtest.NewDBWith(t, nil, warehouse.Options{Metrics: m})
	name := conn.Database() // the configured one, which Open created
	rows, err := conn.Query(warehouse.WithQueryName(ctx, "probe"), "SELECT currentDatabase()")
	if err != nil {
		t.Fatal(err)
	}
	var db string
	for rows.Next() {
		if err := rows.Scan(&db); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if db != name {
		t.Errorf("current database = %q, want %q (created by Open)", db, name)
	}
	if n := testutil.CollectAndCount(m.QueryDuration, "memberlytics_clickhouse_query_duration_seconds"); n != 1 {
		t.Errorf("query duration series = %d, want 1 (label probe)", n)
	}
	v, err := conn.ServerVersion(ctx)
	if err != nil || v.Major < 18 {
		t.Errorf("ServerVersion = %v, %v", v, err)
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want warehouse.Version
		ok   bool
	}{
		{"18.16.1", warehouse.Version{18, 16, 1}, true},
		{"26.7.2.1", warehouse.Version{26, 7, 2}, true},
		{"23.8", warehouse.Version{23, 8, 0}, true},
		{"x.y", warehouse.Version{}, false},
		{"23", warehouse.Version{}, false},
	} {
		got, err := warehouse.ParseVersion(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseVersion(%q) = %v, %v", tt.in, got, err)
		}
	}
	if !(warehouse.Version{23, 8, 0}).AtLeast(23, 8) || (warehouse.Version{18, 16, 1}).AtLeast(23, 8) || !(warehouse.Version{26, 1, 0}).AtLeast(23, 8) {
		t.Error("AtLeast is wrong")
	}
}
