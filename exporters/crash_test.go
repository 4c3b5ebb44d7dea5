package exporters

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

const (
	crashChildEnv = "MEMBERLYTICS_EXPORTERS_CRASH_CHILD"
	crashAddrEnv  = "MEMBERLYTICS_EXPORTERS_CRASH_ADDR"
	crashDBEnv    = "MEMBERLYTICS_EXPORTERS_CRASH_DB"
	crashDirEnv   = "MEMBERLYTICS_EXPORTERS_CRASH_DIR"
)

// crashChild runs in the re-executed test binary: it exports probe and
// probe2 one row per batch, says READY once probe's files are done and
// probe2's are half written, and waits to be killed.
func crashChild() int {
	cfg := config.Default().ClickHouse
	cfg.Addr = os.Getenv(crashAddrEnv)
	cfg.Database = os.Getenv(crashDBEnv)
	conn, err := warehouse.Open(context.Background(), cfg, warehouse.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cat, err := NewCatalog(
		Source{Name: "probe", Table: "probe", OrderBy: []string{"member_id"}},
		Source{Name: "probe2", Table: "probe2", OrderBy: []string{"member_id"}},
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	o := Options{Dir: os.Getenv(crashDirEnv), BatchRows: 1, Progress: func(table string, rows int64) {
		if table == "probe2" {
			fmt.Println("READY")
			os.Stdout.Sync()
			time.Sleep(time.Hour)
		}
	}}
	e, err := New(conn, cat, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := e.Export(context.Background(), testAsOf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("FINISHED") // never expected
	return 0
}

// killMidExport runs crashChild and SIGKILLs it once it is mid-write.
func killMidExport(t *testing.T, conn *warehouse.CH, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		crashChildEnv+"=1",
		crashAddrEnv+"="+chtest.Config(t, conn.Database()).Addr,
		crashDBEnv+"="+conn.Database(),
		crashDirEnv+"="+dir,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "READY" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child said %q, stderr: %s", line, stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child never got mid-write; stderr: %s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", err)
	}
}

// filesUnder lists every file below dir, relative, with a trailing / for
// folders.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	return out
}

func TestKilledExportIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	createProbe(t, conn, "probe")
	createProbe(t, conn, "probe2")
	cat := probeCatalog(t, "probe", "probe2")

	t.Run("first export", func(t *testing.T) {
		dir := t.TempDir()
		killMidExport(t, conn, dir)
		files := filesUnder(t, dir)
		t.Logf("left after the kill: %v", files)
		sawPartial := false
		for _, f := range files {
			base := filepath.Base(strings.TrimSuffix(f, "/"))
			if base == successFile || base == manifestFile {
				t.Errorf("killed export left %s", f)
			}
			if strings.HasPrefix(f, asOfPrefix) {
				t.Errorf("killed export left %s under the published name", f)
			}
			if strings.HasSuffix(f, partialExt) {
				sawPartial = true
				if !strings.HasPrefix(f, tmpPrefix) {
					t.Errorf("partial file %s outside the staging folder", f)
				}
			}
		}
		if !sawPartial {
			t.Errorf("expected the child to be killed mid-file, found no %s file: %v", partialExt, files)
		}
		if got, _ := published(dir); len(got) != 0 {
			t.Errorf("published() = %v after a killed export", got)
		}
		// A rerun succeeds and cleans up.
		export(t, conn, cat, Options{Dir: dir}, testAsOf)
		checkManifestFiles(t, filepath.Join(dir, "as_of=2026-01-31"))
		for _, f := range filesUnder(t, dir) {
			if strings.HasPrefix(f, tmpPrefix) || strings.HasPrefix(f, oldPrefix) {
				t.Errorf("rerun left staging file %s", f)
			}
		}
	})

	t.Run("rerun over a published export", func(t *testing.T) {
		dir := t.TempDir()
		before := export(t, conn, cat, Options{Dir: dir, RunID: "first"}, testAsOf)
		killMidExport(t, conn, dir)
		folder := filepath.Join(dir, "as_of=2026-01-31")
		m := checkManifestFiles(t, folder)
		if m.RunID != before.RunID {
			t.Errorf("published folder now from run %s, want the untouched %s", m.RunID, before.RunID)
		}
		after := export(t, conn, cat, Options{Dir: dir, RunID: "third"}, testAsOf)
		if m := checkManifestFiles(t, folder); m.RunID != after.RunID {
			t.Errorf("rerun did not replace the folder: run %s", m.RunID)
		}
	})
}
