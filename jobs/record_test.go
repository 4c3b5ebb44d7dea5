package jobs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

const ledgerRow = `INSERT INTO load_files (file_id, attempt_id, sha256, path, kind, format, source, bytes, rows, rejected, status, error, forced, started_at, finished_at, version)
	SELECT ?, ?, '', '/in/x.csv', ?, 'csv', '', 1, ?, ?, ?, '', 0, now(), now(), ?`

// RecordMetrics counts what the record shows, whoever did it: the latest
// state of every load attempt, each job's newest success, every published
// export folder; a read is served for the TTL; a failed read is counted
// and the last good values are served.
func TestRecordMetricsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	ctx := context.Background()
	for _, r := range []struct {
		file, attempt, kind string
		rows, rejected      uint64
		status              string
		version             uint64
	}{
		{"f1", "a1", "orders", 0, 0, "loading", 1},
		{"f1", "a1", "orders", 100, 2, "loaded", 2},
		{"f2", "a2", "orders", 0, 0, "loading", 1},
		{"f2", "a2", "orders", 0, 40, "failed", 2}, // refused: too many rejects
		{"f3", "a3", "members", 7, 0, "loaded", 1},
		{"f4", "a4", "events", 0, 0, "loading", 1}, // still running: not counted
	} {
		if err := conn.Exec(ctx, ledgerRow, r.file, r.attempt, r.kind, r.rows, r.rejected, r.status, r.version); err != nil {
			t.Fatal(err)
		}
	}
	store, err := NewStore(conn)
	must(t, err)
	older := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	newer := older.Add(24 * time.Hour)
	for _, r := range []Run{
		{RunID: "r1", Job: "rfm", AsOf: day, Trigger: TriggerManual, Status: StatusSucceeded, StartedAt: older, FinishedAt: older.Add(time.Minute)},
		{RunID: "r2", Job: "rfm", AsOf: day, Trigger: TriggerManual, Status: StatusSucceeded, StartedAt: newer, FinishedAt: newer.Add(time.Minute)},
		{RunID: "r3", Job: "rfm", AsOf: day, Trigger: TriggerManual, Status: StatusFailed, StartedAt: newer.Add(time.Hour), FinishedAt: newer.Add(2 * time.Hour)},
	} {
		must(t, store.Write(ctx, r))
	}
	dir := t.TempDir()
	publish := func(asOf, runID, files string) {
		folder := filepath.Join(dir, "as_of="+asOf)
		must(t, os.MkdirAll(folder, 0o755))
		must(t, os.WriteFile(filepath.Join(folder, "manifest.json"), []byte(`{"as_of": "`+asOf+`", "run_id": "`+runID+`", "created_at": "2026-11-21T04:00:00Z", "files": [`+files+`]}`), 0o644))
		must(t, os.WriteFile(filepath.Join(folder, "_SUCCESS"), nil, 0o644))
	}
	publish("2026-11-20", "e1", `{"path": "member_profile.parquet", "table": "member_profile", "format": "parquet", "rows": 10},
		{"path": "member_profile.csv", "table": "member_profile", "format": "csv", "rows": 10}`)
	must(t, os.MkdirAll(filepath.Join(dir, "as_of=2026-11-21"), 0o755)) // not published: no _SUCCESS

	cached, err := NewRecordMetrics(conn, RecordOptions{TTL: time.Hour, ExportDir: dir})
	must(t, err)
	reg := prometheus.NewRegistry()
	reg.MustRegister(cached)
	want := map[string]float64{
		`memberlytics_rows_loaded_total{kind="orders"}`:                   100,
		`memberlytics_rows_loaded_total{kind="members"}`:                  7,
		`memberlytics_rows_rejected_total{kind="orders"}`:                 42,
		`memberlytics_export_rows_total{table="member_profile"}`:          10,
		`memberlytics_job_last_success_timestamp_seconds{job_name="rfm"}`: float64(newer.Add(time.Minute).Unix()),
		`memberlytics_record_read_errors_total`:                           0,
		`memberlytics_rows_loaded_total{kind="events"}`:                   0,
	}
	checkSamples(t, reg, want)

	// Cached for the TTL: a new load is not read yet.
	if err := conn.Exec(ctx, ledgerRow, "f5", "a5", "orders", 5, 0, "loaded", 1); err != nil {
		t.Fatal(err)
	}
	checkSamples(t, reg, want)

	// Read on every scrape: the new load, and an export deleted by
	// retention keeps counting while the process lives.
	fresh, err := NewRecordMetrics(conn, RecordOptions{TTL: -1, ExportDir: dir})
	must(t, err)
	reg = prometheus.NewRegistry()
	reg.MustRegister(fresh)
	want[`memberlytics_rows_loaded_total{kind="orders"}`] = 105
	checkSamples(t, reg, want)
	must(t, os.RemoveAll(filepath.Join(dir, "as_of=2026-11-20")))
	publish("2026-11-21", "e2", `{"path": "member_profile.parquet", "table": "member_profile", "format": "parquet", "rows": 11}`)
	want[`memberlytics_export_rows_total{table="member_profile"}`] = 21
	checkSamples(t, reg, want)

	// A failed read is counted; the last good values stay.
	if err := conn.Exec(ctx, "RENAME TABLE load_files TO load_files_gone"); err != nil {
		t.Fatal(err)
	}
	want[`memberlytics_record_read_errors_total`] = 1
	checkSamples(t, reg, want)
}

// checkSamples compares the registry's samples with want, by name{labels}.
func checkSamples(t *testing.T, reg *prometheus.Registry, want map[string]float64) {
	t.Helper()
	fams, err := reg.Gather()
	must(t, err)
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			if len(m.GetLabel()) > 0 {
				key += "{"
				for i, l := range m.GetLabel() {
					if i > 0 {
						key += ","
					}
					key += l.GetName() + `="` + l.GetValue() + `"`
				}
				key += "}"
			}
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
