package loaders_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

var (
	genMu    sync.Mutex
	genCache = map[datagen.Format]string{}
)

// generated returns a directory with members, orders and events files of
// 200 members in format f, made once per test binary.
func generated(t *testing.T, f datagen.Format) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if dir, ok := genCache[f]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "loaders-gen-")
	if err != nil {
		t.Fatal(err)
	}
	o := datagen.DefaultOptions()
	o.Members, o.Seed, o.Format, o.OutDir, o.Workers = 200, 7, f, dir, 1
	if _, err := datagen.Generate(context.Background(), o); err != nil {
		t.Fatalf("generate: %v", err)
	}
	genCache[f] = dir
	return dir
}

func newLoader(t *testing.T, conn loaders.Conn, o loaders.Options) *loaders.Loader {
	t.Helper()
	if o.MaxRejectRatio == 0 {
		o.MaxRejectRatio = 0.01
	}
	l, err := loaders.New(conn, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func load(t *testing.T, conn loaders.Conn, o loaders.Options, path string) loaders.Result {
	t.Helper()
	res, err := newLoader(t, conn, o).LoadFile(context.Background(), path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return res
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func compress(t *testing.T, src, ext string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	switch ext {
	case ".gz":
		w := gzip.NewWriter(&buf)
		w.Write(data)
		w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(&buf)
		w.Write(data)
		w.Close()
	default:
		return src
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src)+ext)
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func countLines(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(bytes.Count(data, []byte("\n")))
}

// ledgerStatus is the newest attempt's status of a file.
func ledgerStatus(t *testing.T, conn warehouse.Conn, fileID string) string {
	t.Helper()
	return chtest.QueryString(t, conn, "SELECT status FROM load_files FINAL WHERE file_id = ? ORDER BY started_at DESC, version DESC LIMIT 1", fileID)
}

func stageTables(t *testing.T, conn warehouse.Conn) uint64 {
	t.Helper()
	return chtest.QueryUint(t, conn, `SELECT count() FROM system.tables WHERE database IN (currentDatabase(), concat(currentDatabase(), '_work'))
		AND name LIKE '%\\_stage\\_%'`)
}

var errInjected = errors.New("injected: connection lost")

// flakyConn passes calls to a real connection until it is "cut": then
// every call fails. cutAfterSends cuts it after that many batch sends to a
// staging table; cutAfterAttach cuts it right after an ATTACH succeeds.
type flakyConn struct {
	warehouse.Conn
	cutAfterSends  int64
	cutAfterAttach bool
	// cutAll makes a failed send cut the whole connection (server gone)
	// rather than fail that one insert.
	cutAll bool
	sends  atomic.Int64
	cut    atomic.Bool
}

func (c *flakyConn) Exec(ctx context.Context, q string, args ...any) error {
	if c.cut.Load() {
		return errInjected
	}
	err := c.Conn.Exec(ctx, q, args...)
	if err == nil && c.cutAfterAttach && strings.Contains(q, "ATTACH PARTITION") {
		c.cut.Store(true)
	}
	return err
}

func (c *flakyConn) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if c.cut.Load() {
		return nil, errInjected
	}
	return c.Conn.Query(ctx, q, args...)
}

func (c *flakyConn) PrepareBatch(ctx context.Context, q string) (warehouse.Batch, error) {
	if c.cut.Load() {
		return nil, errInjected
	}
	b, err := c.Conn.PrepareBatch(ctx, q)
	if err != nil || !strings.Contains(q, "_stage_") {
		return b, err
	}
	return &flakyBatch{Batch: b, c: c}, nil
}

type flakyBatch struct {
	warehouse.Batch
	c *flakyConn
}

func (b *flakyBatch) Send() error {
	if b.c.cutAfterSends > 0 && b.c.sends.Add(1) > b.c.cutAfterSends {
		b.c.cut.Store(b.c.cutAll)
		_ = b.Batch.Abort()
		return errInjected
	}
	return b.Batch.Send()
}

// Flush fails like Send, so the streaming path (one insert, a block per
// batch) is cut mid-file too.
func (b *flakyBatch) Flush() error {
	if b.c.cutAfterSends > 0 && b.c.sends.Add(1) > b.c.cutAfterSends {
		b.c.cut.Store(b.c.cutAll)
		return errInjected
	}
	return b.Batch.(interface{ Flush() error }).Flush()
}
