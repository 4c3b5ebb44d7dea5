package loaders_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// pauseConn holds the first statement that at matches until release is
// closed, after closing reached: a test runs two loaders and holds one at
// a known point (before publishing, before staging) while the other runs.
type pauseConn struct {
	warehouse.Conn
	at      func(q string) bool
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

func newPauseConn(conn warehouse.Conn, at func(q string) bool) *pauseConn {
	return &pauseConn{Conn: conn, at: at, reached: make(chan struct{}), release: make(chan struct{})}
}

func (c *pauseConn) hold(q string) {
	if !c.at(q) {
		return
	}
	first := false
	c.once.Do(func() { first = true })
	if first {
		close(c.reached)
		<-c.release
	}
}

func (c *pauseConn) Exec(ctx context.Context, q string, args ...any) error {
	c.hold(q)
	return c.Conn.Exec(ctx, q, args...)
}

func (c *pauseConn) PrepareBatch(ctx context.Context, q string) (warehouse.Batch, error) {
	c.hold(q)
	return c.Conn.PrepareBatch(ctx, q)
}

func isAttach(q string) bool { return strings.Contains(q, "ATTACH PARTITION") }

func isStageInsert(q string) bool {
	return strings.HasPrefix(q, "INSERT INTO ") && strings.Contains(q, "_stage_")
}

// run starts LoadFile on its own goroutine; the channel yields its outcome.
type outcome struct {
	res loaders.Result
	err error
}

func start(t *testing.T, conn loaders.Conn, o loaders.Options, path string) <-chan outcome {
	t.Helper()
	l := newLoader(t, conn, o)
	done := make(chan outcome, 1)
	go func() {
		res, err := l.LoadFile(context.Background(), path)
		done <- outcome{res, err}
	}()
	return done
}

// waitEither waits until the pause point is reached or the load ended.
func waitEither(t *testing.T, reached <-chan struct{}, done <-chan outcome) (outcome, bool) {
	t.Helper()
	select {
	case <-reached:
		return outcome{}, false
	case o := <-done:
		return o, true
	case <-time.After(2 * time.Minute):
		t.Fatal("neither the pause point nor the end of the load came")
	}
	return outcome{}, false
}

// loadedAttempts counts the file's attempts recorded loaded.
func loadedAttempts(t *testing.T, conn warehouse.Conn, fileID string) uint64 {
	t.Helper()
	return chtest.QueryUint(t, conn, "SELECT countIf(status = 'loaded') FROM load_files FINAL WHERE file_id = ?", fileID)
}

// mainStages lists stage and scratch tables visible in the main database.
func mainStages(t *testing.T, conn warehouse.Conn) string {
	t.Helper()
	return chtest.QueryString(t, conn, `SELECT arrayStringConcat(groupArray(name), ',') FROM system.tables
		WHERE database = currentDatabase() AND (name LIKE '%\\_stage\\_%' OR name LIKE '%\\_tmp\\_%')`)
}

// TestSameFileTwiceIntegration: a load held just before publishing while
// a second load of the same file starts. The file must be published once,
// the result of each load must match what the raw table holds, and the
// second load must say who is loading the file.
func TestSameFileTwiceIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1

	pa := newPauseConn(conn, isAttach)
	doneA := start(t, pa, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, path)
	if o, ended := waitEither(t, pa.reached, doneA); ended {
		t.Fatalf("first load ended before publishing: %+v", o)
	}
	if s := mainStages(t, conn); s != "" {
		t.Errorf("stage tables visible in the main database during a load: %s", s)
	}
	pb := newPauseConn(conn, isStageInsert)
	doneB := start(t, pb, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, path)
	b, bEnded := waitEither(t, pb.reached, doneB)
	close(pa.release)
	a := <-doneA
	if a.err != nil {
		t.Fatalf("first load: %v", a.err)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); int64(got) != a.res.Rows || a.res.Rows != want {
		t.Errorf("first load reports %d rows loaded, raw orders holds %d, file has %d", a.res.Rows, got, want)
	}
	close(pb.release)
	if !bEnded {
		b = <-doneB
	}
	switch {
	case b.err == nil && !b.res.Skipped:
		t.Errorf("second load of the same file published it again: %+v", b.res)
	case b.err != nil && !errors.Is(b.err, loaders.ErrBeingLoaded):
		t.Errorf("second load: %v, want ErrBeingLoaded", b.err)
	case b.err != nil && !strings.Contains(b.err.Error(), "being loaded by "):
		t.Errorf("second load: %v, want it to name the owner", b.err)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); int64(got) != want {
		t.Errorf("raw orders = %d after both loads, want %d (one copy)", got, want)
	}
	if n := loadedAttempts(t, conn, a.res.FileID); n != 1 {
		t.Errorf("%d attempts recorded loaded, want 1", n)
	}
	if n := stageTables(t, conn); n != 0 {
		t.Errorf("%d staging tables left", n)
	}
	if again := load(t, conn, loaders.Options{Kind: loaders.Orders}, path); !again.Skipped || again.Rows != want {
		t.Errorf("third load %+v, want skipped with %d rows", again, want)
	}
}

// TestOtherFileDuringLoadIntegration: a load of another file while one is
// held before publishing must not touch the first one's stage.
func TestOtherFileDuringLoadIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	dir := generated(t, datagen.FormatCSV)
	orders, members := filepath.Join(dir, "orders.csv"), filepath.Join(dir, "members.csv")
	pa := newPauseConn(conn, isAttach)
	doneA := start(t, pa, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, orders)
	if o, ended := waitEither(t, pa.reached, doneA); ended {
		t.Fatalf("orders load ended before publishing: %+v", o)
	}
	m := load(t, conn, loaders.Options{Kind: loaders.Members}, members)
	close(pa.release)
	a := <-doneA
	if a.err != nil {
		t.Fatalf("orders load while members loaded: %v", a.err)
	}
	if got, want := chtest.QueryUint(t, conn, "SELECT count() FROM orders"), countLines(t, orders)-1; int64(got) != want {
		t.Errorf("orders = %d, want %d", got, want)
	}
	if got := chtest.QueryUint(t, conn, "SELECT count() FROM members"); int64(got) != m.Rows {
		t.Errorf("members = %d, want %d", got, m.Rows)
	}
}

// TestAbandonedAttemptIntegration: a load dies with the server gone, so its
// stage and its 'loading' ledger row stay. Another load leaves them alone
// while the dead attempt's lease runs; once it has expired, the next load
// drops the stage and marks the attempt abandoned.
func TestAbandonedAttemptIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	dir := generated(t, datagen.FormatCSV)
	orders, members := filepath.Join(dir, "orders.csv"), filepath.Join(dir, "members.csv")
	fc := &flakyConn{Conn: conn, cutAfterSends: 2, cutAll: true}
	dead, err := newLoader(t, fc, loaders.Options{Kind: loaders.Orders, BatchRows: 100}).LoadFile(context.Background(), orders)
	if err == nil {
		t.Fatal("load succeeded, want the injected failure")
	}
	if n := stageTables(t, conn); n != 1 {
		t.Fatalf("%d staging tables, want the dead run's 1", n)
	}
	load(t, conn, loaders.Options{Kind: loaders.Members}, members)
	if n := stageTables(t, conn); n != 1 {
		t.Errorf("%d staging tables after a load within the dead run's lease, want 1 (its lease has not expired)", n)
	}
	if st := ledgerStatus(t, conn, dead.FileID); st != "loading" {
		t.Errorf("ledger %q within the lease, want loading", st)
	}
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	load(t, conn, loaders.Options{Kind: loaders.Members, Now: later, Force: true}, members)
	if n := stageTables(t, conn); n != 0 {
		t.Errorf("%d staging tables after the lease expired, want 0", n)
	}
	if st := ledgerStatus(t, conn, dead.FileID); st != "abandoned" {
		t.Errorf("ledger %q after the lease expired, want abandoned", st)
	}
	res := load(t, conn, loaders.Options{Kind: loaders.Orders, Now: later}, orders)
	if want := countLines(t, orders) - 1; res.Rows != want {
		t.Errorf("reload %+v, want %d rows", res, want)
	}
}

// TestConcurrentLoadsStressIntegration runs 8 loads at once of 4 small
// order files, two of them identical (at different paths), each file
// loaded by two loaders, 20 times over. Every distinct file must be
// published exactly once: exact counts with and without FINAL, and one
// attempt recorded loaded per file. A load that loses the race must say
// so (ErrBeingLoaded) or skip the file.
func TestConcurrentLoadsStressIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	rounds, rowsPerFile := 20, 40 // about a minute on 18.16
	if testing.Short() {
		rounds = 3
	}
	dir := t.TempDir()
	var want uint64
	for round := range rounds {
		var paths []string
		for f := range 3 {
			var b strings.Builder
			b.WriteString("order_id,member_id,ordered_at,amount,status,updated_at\n")
			for i := range rowsPerFile {
				fmt.Fprintf(&b, "R%02dF%dO%03d,M%d,2024-01-01T10:00:00Z,%d.50,paid,2024-01-01T10:00:00Z\n", round, f, i, i%7, i)
			}
			p := filepath.Join(dir, fmt.Sprintf("r%02d-f%d.csv", round, f))
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		twin := filepath.Join(dir, fmt.Sprintf("r%02d-twin.csv", round))
		data, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(twin, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, twin)
		want += uint64(3 * rowsPerFile)

		var wg sync.WaitGroup
		results := make([]outcome, 8)
		ready := make(chan struct{})
		for i := range 8 {
			l := newLoader(t, conn, loaders.Options{Kind: loaders.Orders, Owner: fmt.Sprintf("loader-%d", i)})
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				res, err := l.LoadFile(context.Background(), paths[i%4])
				results[i] = outcome{res, err}
			}()
		}
		close(ready)
		wg.Wait()
		published := map[string]int64{}
		for i, o := range results {
			switch {
			case o.err != nil && !errors.Is(o.err, loaders.ErrBeingLoaded):
				t.Fatalf("round %d, loader %d (%s): %v", round, i, paths[i%4], o.err)
			case o.err == nil && !o.res.Skipped:
				published[o.res.FileID] += o.res.Rows
			}
		}
		if len(published) != 3 {
			t.Errorf("round %d: %d files published by these loads, want 3 (%v)", round, len(published), published)
		}
		for id, n := range published {
			if n != int64(rowsPerFile) {
				t.Errorf("round %d: file %s published with %d rows in all, want %d (once)", round, id, n, rowsPerFile)
			}
		}
		if got := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); got != want {
			t.Fatalf("round %d: orders = %d without FINAL, want %d", round, got, want)
		}
		if got := chtest.QueryUint(t, conn, "SELECT count() FROM orders FINAL"); got != want {
			t.Fatalf("round %d: orders = %d with FINAL, want %d", round, got, want)
		}
		if got := chtest.QueryString(t, conn, `SELECT toString(groupArray(n)) FROM (SELECT file_id, countIf(status = 'loaded') AS n
			FROM load_files FINAL GROUP BY file_id HAVING n != 1)`); got != "[]" {
			t.Fatalf("round %d: files not loaded exactly once: %s", round, got)
		}
		if n := stageTables(t, conn); n != 0 {
			t.Fatalf("round %d: %d staging tables left", round, n)
		}
	}
	if got := chtest.QueryUint(t, conn, "SELECT uniqExact(file_id) FROM load_files"); got != uint64(3*rounds) {
		t.Errorf("%d distinct files in the ledger, want %d", got, 3*rounds)
	}
}

// pausedCluster is a cluster connection whose every shard holds the
// first statement p.at matches (the ATTACH runs per shard).
type pausedCluster struct {
	*pauseConn
	topo warehouse.Topology
}

func (c pausedCluster) Topology() warehouse.Topology { return c.topo }

func newPausedCluster(cc *warehouse.ClusterConn, at func(string) bool) pausedCluster {
	p := newPauseConn(cc, at)
	topo := cc.Topology()
	shards := make([]warehouse.Conn, len(topo.Shards))
	for i, sh := range topo.Shards {
		shards[i] = &shardPause{Conn: sh, p: p}
	}
	topo.Shards = shards
	return pausedCluster{pauseConn: p, topo: topo}
}

// shardPause holds a shard's statements at its cluster's pause point.
type shardPause struct {
	warehouse.Conn
	p *pauseConn
}

func (s *shardPause) Exec(ctx context.Context, q string, args ...any) error {
	s.p.hold(q)
	return s.Conn.Exec(ctx, q, args...)
}

// TestClusterSameFileTwiceIntegration: in cluster mode, a load held just
// before its first shard's ATTACH while a second load of the same file
// starts: the file is published once on the shards, and the second load
// says who is loading it; no stage shows in any shard's main database.
func TestClusterSameFileTwiceIntegration(t *testing.T) {
	t.Parallel()
	db, cc := chtest.MigratedCluster(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	pa := newPausedCluster(cc, isAttach)
	doneA := start(t, pa, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, path)
	if o, ended := waitEither(t, pa.reached, doneA); ended {
		t.Fatalf("first load ended before publishing: %+v", o)
	}
	for i, sh := range db.Shards {
		if s := mainStages(t, sh); s != "" {
			t.Errorf("shard %d: stage tables in the main database during a load: %s", i+1, s)
		}
	}
	_, err := newLoader(t, cc, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
	if !errors.Is(err, loaders.ErrBeingLoaded) {
		t.Errorf("second load while the first publishes: %v, want ErrBeingLoaded", err)
	}
	close(pa.release)
	if a := <-doneA; a.err != nil || a.res.Rows != want {
		t.Fatalf("first load: %+v, %v; want %d rows", a.res, a.err, want)
	}
	var sum uint64
	for _, sh := range db.Shards {
		sum += chtest.QueryUint(t, sh, "SELECT count() FROM orders_local")
		if n := stageTables(t, sh); n != 0 {
			t.Errorf("%d staging tables left on a shard", n)
		}
	}
	if int64(sum) != want {
		t.Errorf("shards hold %d orders, want %d (one copy)", sum, want)
	}
}

// TestPublishRecheckIntegration: a load held at its first insert into its
// stage while something changes the file's lease or ledger; the check just
// before the ATTACH must refuse to publish, drop the stage, and leave the
// raw table empty.
func TestPublishRecheckIntegration(t *testing.T) {
	t.Parallel()
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	cases := []struct {
		name   string
		inject string // run while the load is held; ? is the file id
		want   string
	}{
		{"an earlier claim appears", `INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)
			SELECT ?, '0000000000000000', 'elsewhere:1', now(), 1, now() + 3600, 'claimed', 1`, "being loaded by elsewhere:1"},
		{"another attempt is publishing", `INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)
			SELECT ?, 'ffffffffffffffff', 'elsewhere:2', now(), 18446744073709551615, now() + 3600, 'publishing', 1`, "being loaded by elsewhere:2"},
		{"another attempt recorded it loaded", `INSERT INTO load_files (file_id, attempt_id, path, kind, status, rows, started_at, finished_at, version)
			SELECT ?, '1111111111111111', '/elsewhere/orders.csv', 'orders', 'loaded', 1, now(), now(), 1`, "recorded loaded by attempt 1111111111111111"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn := chtest.Migrated(t)
			p := newPauseConn(conn, isStageInsert)
			done := start(t, p, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, path)
			if o, ended := waitEither(t, p.reached, done); ended {
				t.Fatalf("load ended before staging: %+v", o)
			}
			id := chtest.QueryString(t, conn, "SELECT file_id FROM load_leases LIMIT 1")
			if err := conn.Exec(context.Background(), tc.inject, id); err != nil {
				t.Fatal(err)
			}
			close(p.release)
			o := <-done
			if !errors.Is(o.err, loaders.ErrBeingLoaded) || !strings.Contains(o.err.Error(), tc.want) {
				t.Fatalf("load: %v, want ErrBeingLoaded saying %q", o.err, tc.want)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
				t.Errorf("%d orders published by a load that lost its lease", n)
			}
			if n := stageTables(t, conn); n != 0 {
				t.Errorf("%d staging tables left", n)
			}
		})
	}
}

// steppingClock advances by step on every reading.
type steppingClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *steppingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *steppingClock) jump(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestLeaseRenewalIntegration: on a clock that moves a minute per reading,
// staging a file in small batches takes longer than the 10-minute lease;
// the load renews it and publishes. A load whose clock jumps past its
// lease after the last batch (no renewal follows) must not publish.
func TestLeaseRenewalIntegration(t *testing.T) {
	t.Parallel()
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	t.Run("renewed while staging", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		clock := &steppingClock{t: time.Now(), step: time.Minute}
		res := load(t, conn, loaders.Options{Kind: loaders.Orders, BatchRows: 10, Now: clock.now}, path)
		if res.Rows != want {
			t.Errorf("loaded %d rows, want %d", res.Rows, want)
		}
		if elapsed := res.Duration; elapsed < 2*loaders.DefaultLease {
			t.Fatalf("the load took %v on its clock, want longer than the lease to test renewal", elapsed)
		}
	})
	t.Run("expired before publishing", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		clock := &steppingClock{t: time.Now()}
		o := loaders.Options{Kind: loaders.Orders, Now: clock.now, Progress: func(p loaders.Progress) {
			if p.Rows == want {
				clock.jump(2 * loaders.DefaultLease)
			}
		}}
		_, err := newLoader(t, conn, o).LoadFile(context.Background(), path)
		if !errors.Is(err, loaders.ErrBeingLoaded) || !strings.Contains(err.Error(), "expired before publishing") {
			t.Fatalf("load: %v, want its lease expired before publishing", err)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
			t.Errorf("%d orders published after the lease expired", n)
		}
	})
}

// TestNegativeLease: a negative lease is refused.
func TestNegativeLease(t *testing.T) {
	_, err := loaders.New(nil, loaders.Options{Kind: loaders.Orders, Lease: -time.Second})
	if !errors.Is(err, loaders.ErrInvalidOptions) {
		t.Errorf("New with a negative lease: %v, want ErrInvalidOptions", err)
	}
}

// TestClaimIntegration: claims already in load_leases decide whether a load
// may start: a live earlier claim and a live publishing one (even with a
// later claim time) refuse it; an expired or released one does not.
func TestClaimIntegration(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "orders.csv", "order_id,member_id,ordered_at,amount\nA1,M1,2024-01-01T10:00:00Z,1.50\n")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])[:16] // the file id: a sha256 prefix
	const claimSQL = `INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)
		SELECT ?, 'aaaaaaaaaaaaaaaa', 'elsewhere:9', now(), ?, now() + ?, ?, 1`
	cases := []struct {
		name    string
		ns      uint64
		expires int64 // seconds from now
		state   string
		refused bool
	}{
		{"live earlier claim", 1, 3600, "claimed", true},
		{"live publishing claim made later", 1 << 63, 3600, "publishing", true},
		{"expired claim", 1, -60, "claimed", false},
		{"released claim", 1, 3600, "released", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn := chtest.Migrated(t)
			if err := conn.Exec(context.Background(), claimSQL, id, tc.ns, tc.expires, tc.state); err != nil {
				t.Fatal(err)
			}
			res, err := newLoader(t, conn, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
			switch {
			case tc.refused && !(errors.Is(err, loaders.ErrBeingLoaded) && strings.Contains(err.Error(), "being loaded by elsewhere:9 since ")):
				t.Errorf("load: %v, want refused as being loaded by elsewhere:9", err)
			case !tc.refused && (err != nil || res.Rows != 1):
				t.Errorf("load: %+v, %v; want 1 row loaded", res, err)
			}
		})
	}
}

// TestLeaseOfGoneProcessIntegration: a killed load leaves its claim live
// for the lease; when its owner was a process on this host that is gone,
// the next load takes the file at once. A claim of a living process here,
// or of a process on another host, still refuses it.
func TestLeaseOfGoneProcessIntegration(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "orders.csv", "order_id,member_id,ordered_at,amount\nA1,M1,2024-01-01T10:00:00Z,1.50\n")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])[:16]
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	const claimSQL = `INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)
		SELECT ?, 'aaaaaaaaaaaaaaaa', ?, now(), 1, now() + 3600, 'claimed', 1`
	for _, tc := range []struct {
		name, owner string
		refused     bool
	}{
		{"gone process on this host", fmt.Sprintf("%s:%d", host, gone.Process.Pid), false},
		{"living process on this host", fmt.Sprintf("%s:%d", host, os.Getpid()), true},
		{"process on another host", "elsewhere-" + host + ":" + strconv.Itoa(gone.Process.Pid), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn := chtest.Migrated(t)
			if err := conn.Exec(context.Background(), claimSQL, id, tc.owner); err != nil {
				t.Fatal(err)
			}
			res, err := newLoader(t, conn, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
			switch {
			case tc.refused && !(errors.Is(err, loaders.ErrBeingLoaded) && strings.Contains(err.Error(), "being loaded by "+tc.owner+" since ")):
				t.Errorf("load: %v, want refused as being loaded by %s", err, tc.owner)
			case !tc.refused && (err != nil || res.Rows != 1):
				t.Errorf("load: %+v, %v; want 1 row loaded", res, err)
			}
		})
	}
}
