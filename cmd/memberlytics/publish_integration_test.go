package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/report"
)

// publishPipeline runs every job for 2025-12-30 on generated data and
// returns the environment, the config path and the exports dir.
func publishPipeline(t *testing.T) (env map[string]string, cfgPath, exportDir string) {
	t.Helper()
	dir, env, sources := generatedPipeline(t)
	exportDir = filepath.Join(dir, "exports")
	cfgPath = filepath.Join(dir, "memberlytics.yaml")
	cfg := "log:\n  level: error\n" + sources + "exports:\n  dir: " + exportDir + "\njobs:\n  retry:\n    max_attempts: 1\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, env, "--config", cfgPath, "run", "all", "--as-of", "2025-12-30"); err != nil {
		t.Fatalf("run all: %v\n%s", err, out)
	}
	return env, cfgPath, exportDir
}

func openTestConn(t *testing.T, env map[string]string) warehouse.Conn {
	t.Helper()
	c := chtest.Config(t, env[config.EnvDatabase])
	conn, err := warehouse.Open(context.Background(), c, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func queryString(t *testing.T, conn warehouse.Conn, q string) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return s
}

// A date no model ran for is not exported; a model whose dependencies did
// not run for its date fails and names them; the _latest views, the
// report's and serve's default date agree on one date.
func TestPublishOnlyCompleteDatesIntegration(t *testing.T) {
	t.Parallel()
	env, cfgPath, exportDir := publishPipeline(t)
	conn := openTestConn(t, env)

	// export of a date no model ran for: refused, nothing published.
	out, err := run(t, env, "--config", cfgPath, "export", "--as-of", "2025-12-20")
	if err == nil || !strings.Contains(err.Error(), "no complete snapshot") {
		t.Errorf("export of a date without model outputs: err = %v, want a refusal naming the missing snapshot\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(exportDir, "as_of=2025-12-20")); !os.IsNotExist(err) {
		t.Errorf("export of a date without model outputs created its folder (stat: %v)", err)
	}

	// member_profile without its dependencies for the date: fails, names them.
	out, err = run(t, env, "--config", cfgPath, "run", "member_profile", "--as-of", "2025-12-20")
	if err == nil || !strings.Contains(out, "rfm") || !strings.Contains(out, "2025-12-20") || !strings.Contains(out, "memberlytics run") {
		t.Errorf("member_profile without its dependencies: err = %v, want a failure naming rfm, the date and what to run\n%s", err, out)
	}
	if n := queryString(t, conn, "SELECT toString(count()) FROM member_profile WHERE as_of = '2025-12-20'"); n != "0" {
		t.Errorf("member_profile without its dependencies wrote %s rows", n)
	}

	// rfm alone for a newer date: every _latest view stays on the newest
	// complete date, and so do the report's and serve's default.
	if out, err := run(t, env, "--config", cfgPath, "run", "rfm", "--as-of", "2025-12-31"); err != nil {
		t.Fatalf("run rfm: %v\n%s", err, out)
	}
	for _, v := range []string{"rfm_latest", "member_profile_latest", "segment_members_latest", "tiers_latest", "clv_latest", "cohorts_latest"} {
		if d := queryString(t, conn, "SELECT toString(any(as_of)) FROM "+v); d != "2025-12-30" {
			t.Errorf("%s shows as_of %s, want the newest complete snapshot 2025-12-30", v, d)
		}
	}
	d, ok, err := report.LatestAsOf(context.Background(), conn)
	if err != nil || !ok || d.Format(time.DateOnly) != "2025-12-30" {
		t.Errorf("report default as_of = %v %v %v, want 2025-12-30", d, ok, err)
	}
}

// pausingQuerier holds the export before its first query that reads
// segment_members until release is closed: an export caught between two
// tables while a model re-run replaces them.
type pausingQuerier struct {
	exporters.Querier
	once    sync.Once
	paused  chan struct{}
	release chan struct{}
}

func (p *pausingQuerier) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if strings.Contains(q, "segment_members") && !strings.HasPrefix(q, "DESCRIBE") {
		p.once.Do(func() {
			close(p.paused)
			<-p.release
		})
	}
	return p.Querier.Query(ctx, q, args...)
}

// An export that runs while `run rfm member_profile` rewrites the tables
// either publishes member_profile and segment_members of one run or
// publishes nothing.
func TestExportCannotBeTornByARerunIntegration(t *testing.T) {
	t.Parallel()
	env, cfgPath, exportDir := publishPipeline(t)
	conn := openTestConn(t, env)

	// The re-run maps every R/F cell to one segment, so its rows differ.
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	rerunCfg := filepath.Join(filepath.Dir(cfgPath), "rerun.yaml")
	extra := "models:\n  rfm:\n    segments:\n      - {name: Everyone, r: [1, 5], f: [1, 5]}\n"
	if err := os.WriteFile(rerunCfg, append(data, extra...), 0o644); err != nil {
		t.Fatal(err)
	}

	cat, err := exporters.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	o := exporters.OptionsFromConfig(config.Default().Exports)
	o.Dir, o.Out, o.Formats = exportDir, filepath.Join(exportDir, "torn"), []string{exporters.FormatCSV}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	pq := &pausingQuerier{Querier: conn, paused: make(chan struct{}), release: make(chan struct{})}
	e, err := exporters.New(pq, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.Export(context.Background(), time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC))
		done <- err
	}()
	select {
	case <-pq.paused:
	case err := <-done:
		t.Fatalf("export finished before reading segment_members: %v", err)
	}
	out, rerr := run(t, env, "--config", rerunCfg, "run", "rfm", "member_profile", "--as-of", "2025-12-30")
	close(pq.release)
	err = <-done
	if rerr != nil {
		t.Fatalf("re-run: %v\n%s", rerr, out)
	}
	folder := filepath.Join(o.Out, "as_of=2025-12-30")
	if err != nil {
		if _, serr := os.Stat(filepath.Join(folder, "_SUCCESS")); !os.IsNotExist(serr) {
			t.Errorf("a failed export left _SUCCESS (%v)", serr)
		}
		if !strings.Contains(err.Error(), "snapshot") {
			t.Errorf("export failed without saying why: %v", err)
		}
		return
	}
	profile := readCSV(t, filepath.Join(folder, "member_profile.csv"))
	segs := readCSV(t, filepath.Join(folder, "segment_members.csv"))
	var fromProfile, fromSegments []string
	for _, r := range profile.rows {
		if s := r[profile.col["rfm_segment"]]; s != "" {
			fromProfile = append(fromProfile, r[profile.col["member_id"]]+"="+s)
		}
	}
	for _, r := range segs.rows {
		if r[segs.col["family"]] == "rfm_segment" {
			fromSegments = append(fromSegments, r[segs.col["member_id"]]+"="+r[segs.col["segment"]])
		}
	}
	sort.Strings(fromProfile)
	sort.Strings(fromSegments)
	if strings.Join(fromProfile, ";") != strings.Join(fromSegments, ";") {
		t.Errorf("export published member_profile and segment_members of different runs: %d vs %d rfm rows, first %v vs %v",
			len(fromProfile), len(fromSegments), first(fromProfile), first(fromSegments))
	}
}

type csvFile struct {
	col  map[string]int
	rows [][]string
}

func readCSV(t *testing.T, path string) csvFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("read %s: %v", path, err)
	}
	c := csvFile{col: map[string]int{}, rows: recs[1:]}
	for i, n := range recs[0] {
		c.col[n] = i
	}
	return c
}

func first(s []string) []string { return s[:min(3, len(s))] }

// clv with too few repeat buyers is skipped with its reason, potential
// after it too; member_profile still runs with clv NULL (never a value
// that looks real), the date is published and exported.
func TestSkippedModelGivesNullColumnsIntegration(t *testing.T) {
	t.Parallel()
	dir, env, sources := generatedPipeline(t)
	cfgPath := filepath.Join(dir, "memberlytics.yaml")
	cfg := "log:\n  level: error\n" + sources + "exports:\n  dir: " + filepath.Join(dir, "exports") + "\njobs:\n  retry:\n    max_attempts: 1\n" +
		"models:\n  clv:\n    min_repeat_buyers: 1000000\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, env, "--config", cfgPath, "run", "all", "--as-of", "2025-12-30"); err != nil {
		t.Fatalf("run all with clv skipped: %v\n%s", err, out)
	}
	conn := openTestConn(t, env)
	if s := queryString(t, conn, "SELECT concat(status, ': ', reason) FROM model_runs WHERE as_of = '2025-12-30' AND model = 'clv'"); !strings.HasPrefix(s, "skipped: ") || !strings.Contains(s, "repeat") {
		t.Errorf("model_runs clv = %q, want skipped with the repeat-buyer reason", s)
	}
	if s := queryString(t, conn, "SELECT status FROM snapshots WHERE as_of = '2025-12-30' AND model = 'potential'"); s != "skipped" {
		t.Errorf("snapshot lists potential as %q, want skipped", s)
	}
	if n := queryString(t, conn, "SELECT toString(countIf(clv IS NOT NULL)) FROM member_profile_latest"); n != "0" {
		t.Errorf("%s members have a clv although clv was skipped", n)
	}
	if n := queryString(t, conn, "SELECT toString(count()) FROM member_profile_latest WHERE tier != '' AND rfm_segment != ''"); n == "0" {
		t.Error("member_profile_latest has no tier and rfm_segment: the other models' columns are missing")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "exports", "as_of=2025-12-30", "_SUCCESS")); len(m) != 1 {
		t.Error("the date with clv skipped was not exported")
	}
}
