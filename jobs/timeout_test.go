package jobs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// While ClickHouse is frozen (SIGSTOP on a server of this test's own),
// every request is answered 503 within the request timeout, more requests
// than the pool has connections included, and once the server runs again
// the API answers normally: a frozen server ties up neither a request nor
// the pool. Before, /api/runs hung until the client gave up.
func TestAPIRequestTimeoutFrozenClickHouseIntegration(t *testing.T) {
	t.Parallel()
	chtest.Server(t) // skips or fails as the harness does when no server is installed
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := localch.Start(ctx, localch.Options{Dir: dir, DieWithParent: true, MaxMemory: 1 << 30})
	if err != nil {
		t.Fatalf("start a server to freeze: %v", err)
	}
	t.Cleanup(func() { _ = localch.Stop(dir, 20*time.Second) })
	conn := chtest.NewDBWith(t, func(c *config.ClickHouse) {
		c.Addr, c.MaxOpenConns, c.MaxIdleConns = st.Addr(), 2, 2
	}, warehouse.Options{})
	chtest.MigrateAll(t, conn)
	store, err := NewStore(conn)
	must(t, err)
	const timeout = 2 * time.Second
	srv := httptest.NewServer(NewAPI(APIOptions{Store: store, RequestTimeout: timeout}))
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 20 * time.Second}
	get := func() (int, string, time.Duration) {
		start := time.Now()
		resp, err := client.Get(srv.URL + "/api/runs")
		if err != nil {
			return 0, err.Error(), time.Since(start)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var e apiError
		if resp.StatusCode != http.StatusOK && (json.Unmarshal(body, &e) != nil || resp.Header.Get("Content-Type") != "application/json") {
			t.Errorf("error answer %q (%s) is not the API's JSON", body, resp.Header.Get("Content-Type"))
		}
		return resp.StatusCode, string(body), time.Since(start)
	}
	if code, body, _ := get(); code != http.StatusOK {
		t.Fatalf("before the freeze: %d %s", code, body)
	}

	t.Cleanup(func() { _ = syscall.Kill(st.PID, syscall.SIGCONT) })
	must(t, syscall.Kill(st.PID, syscall.SIGSTOP))
	var wg sync.WaitGroup
	for i := range 4 { // twice the pool
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, took := get()
			if code != http.StatusServiceUnavailable || took > timeout+3*time.Second {
				t.Errorf("request %d while frozen: %d %q after %s; want 503 within about %s", i, code, body, took.Round(time.Millisecond), timeout)
			}
		}()
	}
	wg.Wait()
	must(t, syscall.Kill(st.PID, syscall.SIGCONT))
	if code, body, took := get(); code != http.StatusOK || took > timeout {
		t.Errorf("after the freeze: %d %q after %s; want 200 (the pool must not stay tied up)", code, body, took.Round(time.Millisecond))
	}
}
