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

// TestAPIErrorPastDeadlineIs503Integration: a handler whose ClickHouse
// query fails because the request's deadline passed answers 503 with the
// timeout message, like http.TimeoutHandler does. The driver turns the
// deadline into an i/o timeout at the same moment the TimeoutHandler
// fires, so before, whichever came first answered: 502 "read run history:
// ... i/o timeout" in about half the runs of the frozen-server test above.
// Here the request's deadline has passed before the handler runs, so the
// store fails at once and the answer is deterministic.
func TestAPIErrorPastDeadlineIs503Integration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	chtest.MigrateAll(t, conn)
	store, err := NewStore(conn)
	must(t, err)
	h := apiHandler(APIOptions{Store: store}, time.Second)
	for _, path := range []string{"/api/runs", "/api/runs/no-such-run"} {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
		cancel()
		var e apiError
		if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Status != http.StatusServiceUnavailable ||
			e.Error != "request timed out after 1s" {
			t.Errorf("%s past its deadline: %d %q; want 503 {\"error\": \"request timed out after 1s\"}", path, rec.Code, rec.Body.String())
		}
	}
}
