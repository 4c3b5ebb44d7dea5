// Package localch runs a ClickHouse server from PATH with a configuration
// rendered from deploy/local into a directory of its own: the managed local
// server behind `memberlytics clickhouse start|stop|status`, make demo, and
// the test harness.
//
// The directory holds config.xml, users.xml, data/, log/, and state.json
// (process id, ports, binary). Ports are chosen free at first start and kept.
package localch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/memberlytics/memberlytics/deploy/local"
)

// ErrNoBinary means no ClickHouse server program was found.
var ErrNoBinary = errors.New("no clickhouse-server or clickhouse program on PATH (install clickhouse-server, or run make setup)")

// ErrNotRunning means the directory has no live server.
var ErrNotRunning = errors.New("local clickhouse is not running")

// Options configure a server.
type Options struct {
	// Dir holds config, data and logs; created if missing. Must be absolute
	// or is made so.
	Dir string
	// Binary is the server program; empty searches PATH (FindBinary).
	Binary string
	// TCPPort is the native port; 0 reuses the last one or picks a free one.
	TCPPort int
	// MaxMemory bounds one query's memory in bytes; 0 means 4 GiB.
	MaxMemory int64
	// Extra lines inserted verbatim into config.xml (e.g. remote_servers).
	Extra []string
	// UsersD are extra users files (name -> XML), written to users.d/ next
	// to users.xml, which the server merges into it (e.g. a test's
	// restricted user).
	UsersD map[string]string
	// DieWithParent kills the server when the starting process dies (tests).
	DieWithParent bool
	// StartTimeout bounds the wait for the server to answer; 0 means 60s.
	StartTimeout time.Duration
}

// State is what a running server's directory records in state.json.
type State struct {
	PID      int    `json:"pid"`
	TCPPort  int    `json:"tcp_port"`
	HTTPPort int    `json:"http_port"`
	Binary   string `json:"binary"`
	Dir      string `json:"dir"`
}

// Addr is the native protocol address, host:port.
func (s State) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.TCPPort)) }

// FindBinary returns the server program: clickhouse-server on PATH, or the
// single clickhouse binary (run as "clickhouse server").
func FindBinary() (path string, args []string, err error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil, nil
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return p, []string{"server"}, nil
	}
	return "", nil, ErrNoBinary
}

// Start renders the configuration and starts the server unless one is
// already running in opt.Dir, then waits until it answers. It returns the
// running server's state. Start is idempotent.
func Start(ctx context.Context, opt Options) (State, error) {
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return State{}, fmt.Errorf("local clickhouse dir: %w", err)
	}
	if st, err := Status(dir); err == nil {
		return st, nil
	}
	bin, pre := opt.Binary, []string(nil)
	if bin == "" {
		if bin, pre, err = FindBinary(); err != nil {
			return State{}, err
		}
	} else if filepath.Base(bin) == "clickhouse" {
		pre = []string{"server"}
	}
	for _, d := range []string{"data", "tmp", "log", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return State{}, fmt.Errorf("local clickhouse dir: %w", err)
		}
	}
	st := State{Dir: dir, Binary: bin, TCPPort: opt.TCPPort}
	if old, err := readState(dir); err == nil && st.TCPPort == 0 {
		st.TCPPort, st.HTTPPort = old.TCPPort, old.HTTPPort
	}
	if st.TCPPort == 0 || !portFree(st.TCPPort) {
		if st.TCPPort, err = freePort(); err != nil {
			return State{}, err
		}
	}
	if st.HTTPPort == 0 || st.HTTPPort == st.TCPPort || !portFree(st.HTTPPort) {
		for {
			if st.HTTPPort, err = freePort(); err != nil {
				return State{}, err
			}
			if st.HTTPPort != st.TCPPort {
				break
			}
		}
	}
	if err := writeUsersD(dir, opt.UsersD); err != nil {
		return State{}, err
	}
	if err := render(dir, st, opt); err != nil {
		return State{}, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return State{}, fmt.Errorf("local clickhouse log: %w", err)
	}
	defer logf.Close()
	args := append(pre, "--config-file="+filepath.Join(dir, "config.xml"))
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "CLICKHOUSE_WATCHDOG_ENABLE=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if opt.DieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return State{}, fmt.Errorf("start %s: %w", bin, err)
	}
	st.PID = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := writeState(dir, st); err != nil {
		_ = cmd.Process.Kill()
		return State{}, err
	}
	timeout := opt.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		if ping(st.HTTPPort) == nil {
			return st, nil
		}
		select {
		case err := <-exited:
			_ = os.Remove(filepath.Join(dir, "state.json"))
			return State{}, fmt.Errorf("local clickhouse exited at start (%v): %s", err, tail(filepath.Join(dir, "log", "clickhouse-server.err.log"), filepath.Join(dir, "log", "stdout.log")))
		case <-ctx.Done():
			_ = stopPID(st.PID, exited, 10*time.Second)
			return State{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = stopPID(st.PID, exited, 10*time.Second)
			return State{}, fmt.Errorf("local clickhouse did not answer within %s: %s", timeout, tail(filepath.Join(dir, "log", "clickhouse-server.err.log")))
		}
	}
}

// Status returns the state of the server running in dir, or ErrNotRunning.
func Status(dir string) (State, error) {
	st, err := readState(dir)
	if err != nil {
		return State{}, ErrNotRunning
	}
	if !alive(st.PID) {
		return State{}, ErrNotRunning
	}
	if err := ping(st.HTTPPort); err != nil {
		return st, fmt.Errorf("local clickhouse process %d is up but does not answer: %w", st.PID, err)
	}
	return st, nil
}

// Stop stops the server in dir: SIGTERM, then SIGKILL after grace. It is
// not an error when nothing is running.
func Stop(dir string, grace time.Duration) error {
	st, err := readState(dir)
	if err != nil {
		return nil
	}
	if alive(st.PID) {
		if err := stopPID(st.PID, nil, grace); err != nil {
			return err
		}
	}
	return os.Remove(filepath.Join(dir, "state.json"))
}

func stopPID(pid int, exited <-chan error, grace time.Duration) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	_ = p.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if exited != nil {
			select {
			case <-exited:
				return nil
			default:
			}
		}
		if !alive(pid) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.Signal(syscall.SIGKILL)
	for i := 0; i < 100 && alive(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		return fmt.Errorf("local clickhouse process %d did not stop", pid)
	}
	return nil
}

// alive reports whether pid is a running process (not a zombie).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// Field 3 is the state; Z is a zombie awaiting its parent.
	if i := bytes.LastIndexByte(data, ')'); i > 0 && i+2 < len(data) {
		return data[i+2] != 'Z'
	}
	return true
}

func ping(port int) error {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ping: %s", resp.Status)
	}
	return nil
}

func render(dir string, st State, opt Options) error {
	mem := opt.MaxMemory
	if mem == 0 {
		mem = 4 << 30
	}
	data := map[string]any{"Dir": dir, "TCPPort": st.TCPPort, "HTTPPort": st.HTTPPort, "MaxMemory": mem, "Extra": opt.Extra}
	for _, name := range []string{"config.xml", "users.xml"} {
		t, err := template.ParseFS(local.Templates, name+".tmpl")
		if err != nil {
			return fmt.Errorf("local clickhouse template %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("local clickhouse template %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("local clickhouse config: %w", err)
		}
	}
	return nil
}

// writeUsersD writes the extra users files into dir/users.d.
func writeUsersD(dir string, files map[string]string) error {
	if len(files) == 0 {
		return nil
	}
	d := filepath.Join(dir, "users.d")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("local clickhouse users.d: %w", err)
	}
	for name, xml := range files {
		if filepath.Base(name) != name || filepath.Ext(name) != ".xml" {
			return fmt.Errorf("local clickhouse users.d: file name %q must be a plain name ending in .xml", name)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(xml), 0o644); err != nil {
			return fmt.Errorf("local clickhouse users.d: %w", err)
		}
	}
	return nil
}

func readState(dir string) (State, error) {
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return State{}, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return State{}, fmt.Errorf("read %s: %w", filepath.Join(dir, "state.json"), err)
	}
	return st, nil
}

func writeState(dir string, st State) error {
	data, _ := json.MarshalIndent(st, "", "  ")
	tmp := filepath.Join(dir, "state.json.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write local clickhouse state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "state.json"))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// tail returns the last lines of the first non-empty file, for errors.
func tail(files ...string) string {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 5 {
			lines = lines[len(lines)-5:]
		}
		return f + ": " + strings.Join(lines, " | ")
	}
	return "no server log"
}
