package localch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoZooKeeper means the ZooKeeper server classes or java were not found.
var ErrNoZooKeeper = errors.New("no ZooKeeper: install the Debian package zookeeper and a Java runtime (make setup does)")

// zooKeeperJars are where Debian's zookeeper package puts the server jar
// (its manifest names the jars it depends on).
var zooKeeperJars = []string{"/usr/share/java/zookeeper.jar", "/usr/share/zookeeper/lib/zookeeper.jar"}

// ZooKeeper is a standalone ZooKeeper server started by StartZooKeeper:
// the coordination service of a replicated cluster (Replicated*MergeTree
// and the ON CLUSTER DDL queue).
type ZooKeeper struct {
	// Dir holds zoo.cfg, data/ and zookeeper.log.
	Dir string
	// Port is the client port on 127.0.0.1.
	Port int
	// PID is the java process.
	PID int

	exited chan struct{}
}

// FindZooKeeper returns the java program and the ZooKeeper jar, or
// ErrNoZooKeeper.
func FindZooKeeper() (java, jar string, err error) {
	java, err = exec.LookPath("java")
	if err != nil {
		return "", "", ErrNoZooKeeper
	}
	for _, j := range zooKeeperJars {
		if _, err := os.Stat(j); err == nil {
			return java, j, nil
		}
	}
	return "", "", ErrNoZooKeeper
}

// StartZooKeeper starts a standalone ZooKeeper with its data in dir
// (created if missing) on port (0 picks a free one) and returns once it
// answers. With dieWithParent the server is killed when the starting
// process dies (tests). Stop it with Stop.
func StartZooKeeper(ctx context.Context, dir string, port int, dieWithParent bool) (*ZooKeeper, error) {
	java, jar, err := FindZooKeeper()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("zookeeper dir: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("zookeeper dir: %w", err)
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	cfg := fmt.Sprintf("tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=srvr,ruok\n",
		filepath.Join(dir, "data"), port)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return nil, fmt.Errorf("zookeeper config: %w", err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "zookeeper.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("zookeeper log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", jar+":/etc/zookeeper/conf",
		"-Dzookeeper.log.dir="+dir, "org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(dir, "zoo.cfg"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if dieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start zookeeper: %w", err)
	}
	z := &ZooKeeper{Dir: dir, Port: port, PID: cmd.Process.Pid, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(z.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if z.Ping() == nil {
			return z, nil
		}
		select {
		case <-z.exited:
			return nil, fmt.Errorf("zookeeper exited at start: %s", tail(filepath.Join(dir, "zookeeper.log")))
		case <-ctx.Done():
			z.Stop()
			return nil, fmt.Errorf("start zookeeper: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			z.Stop()
			return nil, fmt.Errorf("zookeeper did not answer within 60s: %s", tail(filepath.Join(dir, "zookeeper.log")))
		}
	}
}

// Addr is the client address, 127.0.0.1:port.
func (z *ZooKeeper) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(z.Port)) }

// Ping asks the server for its status (the srvr command) and returns nil
// when it serves requests.
func (z *ZooKeeper) Ping() error {
	c, err := net.DialTimeout("tcp", z.Addr(), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, "Zookeeper version") {
		return fmt.Errorf("zookeeper not serving: %q (%v)", strings.TrimSpace(line), err)
	}
	return nil
}

// Stop kills the server and waits until the process is gone. Its data
// stays in Dir: StartZooKeeper on the same dir and port brings it back.
func (z *ZooKeeper) Stop() {
	_ = syscall.Kill(z.PID, syscall.SIGKILL)
	select {
	case <-z.exited:
	case <-time.After(20 * time.Second):
	}
}

// Config is the <zookeeper> and <distributed_ddl> block of a server's
// config.xml that makes it use z, with the DDL queue under root.
func (z *ZooKeeper) Config() string {
	return "<zookeeper><node><host>127.0.0.1</host><port>" + strconv.Itoa(z.Port) +
		"</port></node><session_timeout_ms>6000</session_timeout_ms><operation_timeout_ms>3000</operation_timeout_ms></zookeeper>" +
		"<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>"
}
