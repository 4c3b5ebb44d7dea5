package jobs

import "github.com/prometheus/client_golang/prometheus"

// LabelJob is the label that names the memberlytics job (load_orders, rfm,
// ...) on the job metrics. It is not "job": Prometheus attaches its own
// scrape-job label of that name to every series, and a clash would rename
// ours to exported_job unless scrapes set honor_labels.
const LabelJob = "job_name"

// Metrics are the job runner's Prometheus metrics. Create them once per
// registry with NewMetrics; a nil *Metrics records nothing.
type Metrics struct {
	// Runs counts finished runs by job and final status.
	Runs *prometheus.CounterVec
	// Duration observes run durations (all attempts) by job.
	Duration *prometheus.HistogramVec
	// LastSuccess is the Unix time of each job's last successful run.
	LastSuccess *prometheus.GaugeVec
	// Attempts counts attempts by job, including retries.
	Attempts *prometheus.CounterVec
	// RowsLoaded counts rows loaded by kind (members, orders, events).
	RowsLoaded *prometheus.CounterVec
	// RowsRejected counts input rows rejected by kind.
	RowsRejected *prometheus.CounterVec
	// ExportRows counts rows exported by table.
	ExportRows *prometheus.CounterVec
	// Running is the number of runs in progress by job.
	Running *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_job_runs_total",
			Help: "Finished job runs by job and status (succeeded, failed, cancelled, skipped, abandoned).",
		}, []string{LabelJob, "status"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "memberlytics_job_duration_seconds",
			Help:    "Wall time of job runs, all attempts included.",
			Buckets: prometheus.ExponentialBuckets(0.05, 3, 10),
		}, []string{LabelJob}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "memberlytics_job_last_success_timestamp_seconds",
			Help: "Unix time at which each job last succeeded.",
		}, []string{LabelJob}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_job_attempts_total",
			Help: "Job attempts, retries included.",
		}, []string{LabelJob}),
		RowsLoaded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_rows_loaded_total",
			Help: "Rows loaded into ClickHouse by kind (members, orders, events).",
		}, []string{"kind"}),
		RowsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_rows_rejected_total",
			Help: "Input rows rejected by the loaders, by kind.",
		}, []string{"kind"}),
		ExportRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_export_rows_total",
			Help: "Rows written to export files, by table.",
		}, []string{"table"}),
		Running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "memberlytics_job_running",
			Help: "Runs in progress by job.",
		}, []string{LabelJob}),
	}
	if reg != nil {
		reg.MustRegister(m.Runs, m.Duration, m.LastSuccess, m.Attempts, m.RowsLoaded, m.RowsRejected, m.ExportRows, m.Running)
	}
	return m
}

func (m *Metrics) finished(r Run, seconds float64) {
	if m == nil {
		return
	}
	m.Runs.WithLabelValues(r.Job, string(r.Status)).Inc()
	if r.Status == StatusSkipped {
		return
	}
	m.Duration.WithLabelValues(r.Job).Observe(seconds)
	if r.Status == StatusSucceeded {
		m.LastSuccess.WithLabelValues(r.Job).Set(float64(r.FinishedAt.UnixNano()) / 1e9)
	}
}

func (m *Metrics) rows(st Stats) {
	if m == nil {
		return
	}
	for k, n := range st.Loaded {
		m.RowsLoaded.WithLabelValues(k).Add(float64(n))
	}
	for k, n := range st.Rejected {
		m.RowsRejected.WithLabelValues(k).Add(float64(n))
	}
	for k, n := range st.Exported {
		m.ExportRows.WithLabelValues(k).Add(float64(n))
	}
}
