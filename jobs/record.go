package jobs

import (
	"context"
	"errors"
	"fmt"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// DefaultRecordTTL is how long RecordMetrics serves one read of the record.
const DefaultRecordTTL = 15 * time.Second

// RecordOptions configure RecordMetrics.
type RecordOptions struct {
	// TTL is how long one read of the record is served before a scrape
	// reads again; 0 means DefaultRecordTTL, negative reads every scrape.
	TTL time.Duration
	// ExportDir is the exports directory (exports.dir) whose published
	// as_of folders' manifests count the rows exported; empty counts none.
	ExportDir string
	// Timeout bounds one read (default 10s).
	Timeout time.Duration
	Logger  *slog.Logger
}

// RecordMetrics is a prometheus.Collector of the work the record shows,
// whichever process did it (serve, memberlytics load or run, a process
// before a restart): memberlytics_rows_loaded_total{kind} and
// memberlytics_rows_rejected_total{kind} from the load_files ledger,
// memberlytics_export_rows_total{table} from the manifests of the export
// folders, and memberlytics_job_last_success_timestamp_seconds{job_name}
// from job_runs; and the headline KPIs of the newest published snapshot
// (memberlytics_kpi_*, from member_profile_latest). A scrape reads at most once per TTL and is otherwise
// served from the last read; a failed read is logged, counted in
// memberlytics_record_read_errors_total and served from the last good one.
// It is safe for concurrent use.
type RecordMetrics struct {
	wh  Warehouse
	opt RecordOptions
	log *slog.Logger

	loadsSQL, successSQL, kpisSQL string

	loaded, rejected, exported, lastSuccess, readErrors      *prometheus.Desc
	kpiAsOf, kpiMembers, kpiActive, kpiRevenue, kpiChurnRisk *prometheus.Desc

	mu     sync.Mutex
	readAt time.Time
	errs   float64
	cur    record
	// exports are the export folders counted so far, by folder and run:
	// a folder retention deletes keeps counting, so the counter never
	// goes down while the process lives.
	exports map[string]map[string]uint64
}

type record struct {
	loaded, rejected, exported map[string]uint64
	lastSuccess                map[string]time.Time
	// kpis are the newest published snapshot's headline figures; ok is
	// false while nothing is published.
	kpis struct {
		ok                                   bool
		asOf                                 time.Time
		members, active, revenue, churnShare float64
	}
}

// NewRecordMetrics returns the collector; register it on the registry
// serve exposes. wh's database has the jobs and loaders migrations.
func NewRecordMetrics(wh Warehouse, opt RecordOptions) (*RecordMetrics, error) {
	loads, err := sql.Jobs("record_loads")
	if err != nil {
		return nil, err
	}
	success, err := sql.Jobs("record_last_success")
	if err != nil {
		return nil, err
	}
	kpis, err := sql.Jobs("record_kpis")
	if err != nil {
		return nil, err
	}
	if opt.TTL == 0 {
		opt.TTL = DefaultRecordTTL
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RecordMetrics{
		wh: wh, opt: opt, log: log, loadsSQL: loads, successSQL: success, kpisSQL: kpis,
		loaded: prometheus.NewDesc("memberlytics_rows_loaded_total",
			"Rows loaded into ClickHouse by kind (members, orders, events), from the load_files ledger: every load, whichever process ran it.", []string{"kind"}, nil),
		rejected: prometheus.NewDesc("memberlytics_rows_rejected_total",
			"Input rows rejected by the loaders by kind, from the load_files ledger.", []string{"kind"}, nil),
		exported: prometheus.NewDesc("memberlytics_export_rows_total",
			"Rows written to export files by table (once per table, not per format), from the manifests of the export folders.", []string{"table"}, nil),
		lastSuccess: prometheus.NewDesc("memberlytics_job_last_success_timestamp_seconds",
			"Unix time at which each job last succeeded, from the run history (job_runs).", []string{LabelJob}, nil),
		readErrors: prometheus.NewDesc("memberlytics_record_read_errors_total",
			"Reads of the record (load_files, job_runs, export manifests) for the metrics that failed.", nil, nil),
		kpiAsOf: prometheus.NewDesc("memberlytics_kpi_as_of_timestamp_seconds",
			"Unix time of the as_of (midnight UTC) of the newest published snapshot the KPIs are from.", nil, nil),
		kpiMembers: prometheus.NewDesc("memberlytics_kpi_members",
			"Members in the newest published snapshot (member_profile_latest).", nil, nil),
		kpiActive: prometheus.NewDesc("memberlytics_kpi_active_members",
			"Active members (lifecycle stage new, active or loyal) in the newest published snapshot.", nil, nil),
		kpiRevenue: prometheus.NewDesc("memberlytics_kpi_revenue",
			"Revenue: the sum of the members' rfm monetary in the newest published snapshot, in the data's currency.", nil, nil),
		kpiChurnRisk: prometheus.NewDesc("memberlytics_kpi_churn_risk_share",
			"Share (0-1) of scored buyers at high or critical churn risk in the newest published snapshot.", nil, nil),
		exports: map[string]map[string]uint64{},
	}, nil
}

// Describe implements prometheus.Collector.
func (m *RecordMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.loaded, m.rejected, m.exported, m.lastSuccess, m.readErrors,
		m.kpiAsOf, m.kpiMembers, m.kpiActive, m.kpiRevenue, m.kpiChurnRisk} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *RecordMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.readAt.IsZero() || time.Since(m.readAt) >= m.opt.TTL {
		ctx, cancel := context.WithTimeout(context.Background(), m.opt.Timeout)
		err := m.read(ctx)
		cancel()
		if err != nil {
			m.errs++
			m.log.Warn("read the record for the metrics; serving the last read", "err", err)
		}
		m.readAt = time.Now()
	}
	for k, n := range m.cur.loaded {
		ch <- prometheus.MustNewConstMetric(m.loaded, prometheus.CounterValue, float64(n), k)
	}
	for k, n := range m.cur.rejected {
		ch <- prometheus.MustNewConstMetric(m.rejected, prometheus.CounterValue, float64(n), k)
	}
	for t, n := range m.cur.exported {
		ch <- prometheus.MustNewConstMetric(m.exported, prometheus.CounterValue, float64(n), t)
	}
	for j, at := range m.cur.lastSuccess {
		ch <- prometheus.MustNewConstMetric(m.lastSuccess, prometheus.GaugeValue, float64(at.Unix()), j)
	}
	ch <- prometheus.MustNewConstMetric(m.readErrors, prometheus.CounterValue, m.errs)
	if k := m.cur.kpis; k.ok {
		ch <- prometheus.MustNewConstMetric(m.kpiAsOf, prometheus.GaugeValue, float64(k.asOf.Unix()))
		ch <- prometheus.MustNewConstMetric(m.kpiMembers, prometheus.GaugeValue, k.members)
		ch <- prometheus.MustNewConstMetric(m.kpiActive, prometheus.GaugeValue, k.active)
		ch <- prometheus.MustNewConstMetric(m.kpiRevenue, prometheus.GaugeValue, k.revenue)
		ch <- prometheus.MustNewConstMetric(m.kpiChurnRisk, prometheus.GaugeValue, k.churnShare)
	}
}

// read replaces m.cur with what the record says now; on error m.cur is
// left as it was.
func (m *RecordMetrics) read(ctx context.Context) error {
	next := record{loaded: map[string]uint64{}, rejected: map[string]uint64{}, lastSuccess: map[string]time.Time{}}
	rows, err := m.wh.Query(warehouse.WithQueryName(ctx, "record_loads"), m.loadsSQL)
	if err != nil {
		return fmt.Errorf("read load_files: %w", err)
	}
	for rows.Next() {
		var kind string
		var loaded, rejected uint64
		if err := rows.Scan(&kind, &loaded, &rejected); err != nil {
			rows.Close()
			return fmt.Errorf("read load_files: %w", err)
		}
		next.loaded[kind], next.rejected[kind] = loaded, rejected
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read load_files: %w", err)
	}
	rows, err = m.wh.Query(warehouse.WithQueryName(ctx, "record_last_success"), m.successSQL)
	if err != nil {
		return fmt.Errorf("read job_runs: %w", err)
	}
	for rows.Next() {
		var job string
		var at time.Time
		if err := rows.Scan(&job, &at); err != nil {
			rows.Close()
			return fmt.Errorf("read job_runs: %w", err)
		}
		next.lastSuccess[job] = at
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read job_runs: %w", err)
	}
	rows, err = m.wh.Query(warehouse.WithQueryName(ctx, "record_kpis"), m.kpisSQL)
	if err != nil {
		return fmt.Errorf("read member_profile_latest: %w", err)
	}
	for rows.Next() {
		k := &next.kpis
		var d string
		if err := rows.Scan(&d, &k.members, &k.active, &k.revenue, &k.churnShare); err != nil {
			rows.Close()
			return fmt.Errorf("read member_profile_latest: %w", err)
		}
		if k.asOf, err = time.Parse(asof.Layout, d); err != nil {
			rows.Close()
			return fmt.Errorf("read member_profile_latest: as_of %q: %w", d, err)
		}
		k.ok = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read member_profile_latest: %w", err)
	}
	if err := m.readExports(); err != nil {
		return err
	}
	next.exported = map[string]uint64{}
	for _, byTable := range m.exports {
		for t, n := range byTable {
			next.exported[t] += n
		}
	}
	m.cur = next
	return nil
}

// readExports adds the published export folders not counted yet.
func (m *RecordMetrics) readExports() error {
	if m.opt.ExportDir == "" {
		return nil
	}
	entries, err := os.ReadDir(m.opt.ExportDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read exports: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "as_of=") {
			continue
		}
		man, err := exporters.ReadManifest(filepath.Join(m.opt.ExportDir, e.Name()))
		if err != nil {
			continue // not published (yet): no _SUCCESS
		}
		key := e.Name() + "/" + man.RunID + "/" + man.CreatedAt.String()
		if _, ok := m.exports[key]; ok {
			continue
		}
		byTable := map[string]uint64{}
		seen := map[string]bool{}
		for _, f := range man.Files {
			if !seen[f.Table] {
				seen[f.Table] = true
				byTable[f.Table] += uint64(f.Rows)
			}
		}
		m.exports[key] = byTable
	}
	return nil
}
