package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/jobs"
)

// serve refuses to expose the API beyond loopback without a token, before
// it connects to anything (nothing listens at the configured ClickHouse).
func TestServeRefusesPublicAddressWithoutToken(t *testing.T) {
	t.Parallel()
	noCH := "127.0.0.1:1"
	out, err := run(t, map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": noCH}, "serve", "--listen", "0.0.0.0:0")
	if !errors.Is(err, jobs.ErrInsecureListen) {
		t.Errorf("serve --listen 0.0.0.0:0: err = %v, want ErrInsecureListen\n%s", err, out)
	}
	out, err = run(t, map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": noCH, "MEMBERLYTICS_SERVER_LISTEN": "0.0.0.0:0"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "server.listen") || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("MEMBERLYTICS_SERVER_LISTEN=0.0.0.0:0 serve: err = %v, want the config to refuse server.listen\n%s", err, out)
	}
}

// serve on a database without the schema stays up: /healthz answers,
// /readyz answers 503 naming the pending migrations; after `memberlytics
// migrate` /readyz turns 200 (the scheduler started) without a restart.
func TestServeWaitsForMigrateIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t) // empty: nothing migrated
	env := map[string]string{config.EnvAddr: chtest.Server(t).Addr(), config.EnvDatabase: conn.Database()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb, func(k string) string { return env[k] })
	root.SetArgs([]string{"--log-level", "error", "serve", "--listen", addr, "--schema-poll", "200ms"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for code, _ := get("/healthz"); code != http.StatusOK; code, _ = get("/healthz") {
		select {
		case err := <-done:
			t.Fatalf("serve on an unmigrated database exited: %v\n%s%s", err, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered /healthz")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "migrations pending (run memberlytics migrate)") {
		t.Errorf("/readyz before migrate = %d %s, want 503 naming the pending migrations", code, body)
	}
	if code, body := get("/api/jobs"); code != http.StatusServiceUnavailable {
		t.Errorf("/api/jobs before migrate = %d %s, want 503", code, body)
	}

	if o, err := run(t, env, "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, o)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		code, body := get("/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after migrate = %d %s, want 200", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := get("/api/jobs"); code != http.StatusOK || !strings.Contains(body, `"export"`) {
		t.Errorf("/api/jobs after migrate = %d %s, want 200 listing the export job", code, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel = %v\n%s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
