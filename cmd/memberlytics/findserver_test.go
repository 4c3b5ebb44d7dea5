package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// A refused connection to a loopback address is a server that is not
// there: the command fails at once and says how to start one, instead of
// retrying for seconds and printing the driver's error.
func TestRefusedLoopbackFailsFastWithAdvice(t *testing.T) {
	t.Parallel()
	env := map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": "127.0.0.1:1"}
	cfg := filepath.Join(t.TempDir(), "memberlytics.yaml")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := run(t, env, "--config", cfg, "runs")
	took := time.Since(start)
	want := "no ClickHouse at 127.0.0.1:1: start one with `memberlytics clickhouse start`, or set clickhouse.addr"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("runs against a closed port: err %v, output %q; want %q", err, out, want)
	}
	if took > 3*time.Second {
		t.Errorf("runs against a closed loopback port took %s; want a fast failure (no retries)", took)
	}
}

// localDirFor finds the managed server's directory from the config file's
// location, else from the nearest directory (upwards) that holds it.
func TestLocalDirResolution(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(filepath.Join(root, ".memberlytics", "clickhouse"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	abs := filepath.Join(elsewhere, "ch")
	for _, tt := range []struct {
		name, dir, configFile, cwd, want string
	}{
		{"nearest holder upwards", ".memberlytics/clickhouse", "", deep, filepath.Join(root, ".memberlytics", "clickhouse")},
		{"working directory when none holds it", ".memberlytics/clickhouse", "", elsewhere, filepath.Join(elsewhere, ".memberlytics", "clickhouse")},
		{"beside the config file", ".memberlytics/clickhouse", filepath.Join(elsewhere, "memberlytics.yaml"), deep, filepath.Join(elsewhere, ".memberlytics", "clickhouse")},
		{"absolute stays", abs, filepath.Join(root, "memberlytics.yaml"), deep, abs},
	} {
		if got := localDirFor(tt.dir, tt.configFile, tt.cwd); got != tt.want {
			t.Errorf("%s: localDirFor(%q, %q, %q) = %q, want %q", tt.name, tt.dir, tt.configFile, tt.cwd, got, tt.want)
		}
	}
}

// The managed server started in one directory is found from a directory
// below it and through a config file named from anywhere, and used when
// clickhouse.addr is not set.
func TestLocalServerFoundFromAnotherDirectoryIntegration(t *testing.T) {
	if _, _, err := localch.FindBinary(); err != nil {
		if chtest.Required() {
			t.Fatalf("clickhouse server required: %v", err)
		}
		t.Skip(err)
	}
	root := t.TempDir()
	t.Chdir(root)
	t.Cleanup(func() { _ = localch.Stop(filepath.Join(root, ".memberlytics", "clickhouse"), 10*time.Second) })
	if out, err := run(t, nil, "clickhouse", "start"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	st, err := localch.Status(filepath.Join(root, ".memberlytics", "clickhouse"))
	if err != nil {
		t.Fatalf("status after start in %s: %v", root, err)
	}

	deep := filepath.Join(root, "reports", "2026")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(deep)
	if out, err := run(t, nil, "clickhouse", "status"); err != nil || !strings.Contains(out, st.Addr()) {
		t.Errorf("status from %s: err %v, output %q; want running at %s", deep, err, out, st.Addr())
	}
	if out, err := run(t, nil, "migrate"); err != nil || !strings.Contains(out, "applied") {
		t.Errorf("migrate from %s without --local or clickhouse.addr: err %v\n%s", deep, err, out)
	}

	cfg := filepath.Join(root, "memberlytics.yaml")
	if err := os.WriteFile(cfg, []byte("log:\n  level: warn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if out, err := run(t, nil, "--config", cfg, "clickhouse", "status"); err != nil || !strings.Contains(out, st.Addr()) {
		t.Errorf("status with --config %s from elsewhere: err %v, output %q", cfg, err, out)
	}
	if out, err := run(t, nil, "--config", cfg, "--local", "runs"); err != nil {
		t.Errorf("--local runs with --config from elsewhere: err %v\n%s", err, out)
	}
}

// A managed server whose process is alive but whose ping fails (busy under
// load) is still the server to use: the command connects to its address
// and lets the connection's own retries and timeouts handle slowness,
// instead of falling back to localhost:9000.
func TestLocalServerUsedWhenPingFailsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	_, port, err := net.SplitHostPort(chtest.Server(t).Addr())
	if err != nil {
		t.Fatal(err)
	}
	// A port that refuses connections stands for a ping that fails.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	root := t.TempDir()
	dir := filepath.Join(root, ".memberlytics", "clickhouse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	state := fmt.Sprintf(`{"pid": %d, "tcp_port": %s, "http_port": %d, "dir": %q}`, os.Getpid(), port, httpPort, dir)
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "memberlytics.yaml")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvDatabase: conn.Database()}
	if out, err := run(t, env, "--config", cfg, "runs"); err != nil {
		t.Errorf("runs with the managed server alive but not answering its ping: %v\n%s", err, out)
	}
	if out, err := run(t, env, "--config", cfg, "--local", "runs"); err != nil {
		t.Errorf("--local runs with the managed server alive but not answering its ping: %v\n%s", err, out)
	}
}

// TestDemoConfigServerAtRepoRoot: make demo runs with
// deploy/demo/memberlytics.yaml, and the server it starts must be the one
// a command run at the repository root without --config finds.
func TestDemoConfigServerAtRepoRoot(t *testing.T) {
	const file = "../../deploy/demo/memberlytics.yaml"
	cfg, err := config.Load(file, true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	demo := localDirFor(cfg.Local.Dir, file, root)
	plain := localDirFor(config.Default().Local.Dir, "", root)
	if want := filepath.Join(root, ".memberlytics", "clickhouse"); demo != plain || demo != want {
		t.Errorf("make demo's server dir = %s, a command at the repository root looks in %s (want both %s)", demo, plain, want)
	}
}
