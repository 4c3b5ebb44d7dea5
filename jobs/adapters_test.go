package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/loaders"
)

type fakeExporter struct {
	m   *exporters.Manifest
	err error
}

func (f fakeExporter) Export(context.Context, time.Time) (*exporters.Manifest, error) {
	return f.m, f.err
}

func TestExportJobCountsRowsPerTable(t *testing.T) {
	t.Parallel()
	m := &exporters.Manifest{Files: []exporters.ManifestFile{
		{Table: "member_profile", Format: "parquet", Rows: 10},
		{Table: "member_profile", Format: "csv", Rows: 10},
		{Table: "segment_members", Format: "parquet", Rows: 25},
	}}
	var gotRunID string
	newE := func(runID string) (Exporter, error) { gotRunID = runID; return fakeExporter{m: m}, nil }
	st, err := ExportJob("export", newE).Run(context.WithValue(context.Background(), runIDKey{}, "run-1"), day)
	if err != nil || st.RowsOut != 35 {
		t.Errorf("stats = %+v, %v; want each table's rows once", st, err)
	}
	if gotRunID != "run-1" {
		t.Errorf("exporter built with run id %q, want the job run's", gotRunID)
	}
	boom := errors.New("disk full")
	failing := func(string) (Exporter, error) { return fakeExporter{err: boom}, nil }
	if _, err := ExportJob("export", failing).Run(context.Background(), day); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the exporter's", err)
	}
}

// A load job loads a source's files once: the second run finds them in
// the ledger. The runner feeds the row counters from its stats.
func TestLoadJobIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := compat.Generate(context.Background(), dir, 100, 7); err != nil {
		t.Fatal(err)
	}
	g := NewGraph()
	var conn loaders.Conn
	r, _, _, wh := newTestRunner(t, g, nil)
	conn = wh.(loaders.Conn)
	job := LoadJob(conn, LoadSource{Name: "members", Paths: []string{filepath.Join(dir, "members.csv")}, Options: loaders.Options{Kind: loaders.Members}})
	if job.Name() != "load_members" {
		t.Errorf("Name() = %s", job.Name())
	}
	must(t, r.opt.Graph.Add(job))
	runs, err := r.Run(context.Background(), Request{Target: "load_members", AsOf: day, Trigger: TriggerManual})
	if err != nil || runs[0].Status != StatusSucceeded || runs[0].RowsOut != 100 {
		t.Fatalf("first load = %+v, %v; want 100 rows", runs, err)
	}
	runs, err = r.Run(context.Background(), Request{Target: "load_members", AsOf: day, Trigger: TriggerManual})
	if err != nil || runs[0].Status != StatusSucceeded || runs[0].RowsOut != 0 {
		t.Errorf("second load = %+v, %v; want nothing loaded again", runs, err)
	}
	missing := LoadJob(conn, LoadSource{Name: "ghost", Paths: []string{filepath.Join(dir, "none-*.csv")}, Options: loaders.Options{Kind: loaders.Orders}})
	if _, err := missing.Run(context.Background(), day); err == nil || IsTransient(err) {
		t.Errorf("load of no files: err = %v, want a permanent error", err)
	}
}
