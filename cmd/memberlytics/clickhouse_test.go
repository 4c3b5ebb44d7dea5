package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// run executes the CLI in-process with the given environment.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb, func(k string) string { return env[k] })
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String() + errb.String(), err
}

func TestClickHouseStartStatusStopLeavesNoProcessIntegration(t *testing.T) {
	if _, _, err := localch.FindBinary(); err != nil {
		if chtest.Required() {
			t.Fatalf("clickhouse server required: %v", err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	if err := os.WriteFile(cfg, []byte("local:\n  dir: "+filepath.Join(dir, "ch")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = localch.Stop(filepath.Join(dir, "ch"), 10*time.Second) })

	out, err := run(t, nil, "--config", cfg, "clickhouse", "start")
	if err != nil || !strings.Contains(out, "running") {
		t.Fatalf("start: %v\n%s", err, out)
	}
	st, err := localch.Status(filepath.Join(dir, "ch"))
	if err != nil {
		t.Fatalf("status after start: %v", err)
	}
	// A second start is a no-op on the same process.
	if _, err := run(t, nil, "--config", cfg, "clickhouse", "start"); err != nil {
		t.Fatal(err)
	}
	if st2, _ := localch.Status(filepath.Join(dir, "ch")); st2.PID != st.PID {
		t.Errorf("second start replaced the server: pid %d -> %d", st.PID, st2.PID)
	}
	out, err = run(t, nil, "--config", cfg, "clickhouse", "status")
	if err != nil || !strings.Contains(out, st.Addr()) {
		t.Fatalf("status: %v\n%s", err, out)
	}
	// The server answers migrate through --local.
	out, err = run(t, nil, "--config", cfg, "--local", "migrate")
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate --local: %v\n%s", err, out)
	}
	if out, err = run(t, nil, "--config", cfg, "clickhouse", "stop"); err != nil {
		t.Fatalf("stop: %v\n%s", err, out)
	}
	// Stop returns once the server has exited; this process, its parent,
	// reaps it in a goroutine, which a busy machine can delay a little.
	gone := false
	for i := 0; i < 100 && !gone; i++ {
		if gone = syscall.Kill(st.PID, 0) != nil; !gone {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !gone {
		t.Errorf("server process %d still exists 5 s after stop", st.PID)
	}
	out, err = run(t, nil, "--config", cfg, "clickhouse", "status")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 3 || !strings.Contains(out, "not running") {
		t.Errorf("status after stop: err %v, out %q; want exit status 3 and 'not running'", err, out)
	}
}

func TestConfigErrorsReachTheUser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(cfg, []byte("clickhouse:\n  max_open_conns: lots\n"), 0o644)
	_, err := run(t, nil, "--config", cfg, "version")
	if err == nil || !strings.Contains(err.Error(), "clickhouse.max_open_conns") {
		t.Errorf("bad config: err = %v, want the key path", err)
	}
	_, err = run(t, map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": "nohost"}, "version")
	if err == nil || !strings.Contains(err.Error(), "clickhouse.addr") {
		t.Errorf("bad env addr: err = %v", err)
	}
}

func TestPasswordNotInConnectionError(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"MEMBERLYTICS_CLICKHOUSE_ADDR":     "127.0.0.1:1",
		"MEMBERLYTICS_CLICKHOUSE_PASSWORD": "s3cr3t-value",
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	_ = os.WriteFile(cfg, []byte("clickhouse:\n  connect_attempts: 1\n  dial_timeout: 200ms\n"), 0o644)
	out, err := run(t, env, "--config", cfg, "--log-level", "debug", "migrate")
	if err == nil {
		t.Fatal("migrate against a closed port succeeded")
	}
	if strings.Contains(err.Error()+out, "s3cr3t-value") {
		t.Errorf("password leaked: %v\n%s", err, out)
	}
}
