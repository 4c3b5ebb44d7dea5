package jobs

import "github.com/prometheus/client_golang/prometheus"

// LabelJob is the label that names the memberlytics job (load_orders, rfm,
// ...) on the job metrics. It is not "job": Prometheus attaches its own
// scrape-job label of that name to every series, and a clash would rename
// ours to exported_job unless scrapes set honor_labels.
const LabelJob = "job_name"

// Metrics are the job runner's Prometheus metrics of this process. Create
// them once per registry with NewMetrics; a nil *Metrics records nothing.
// Rows loaded, rejected and exported and each job's last success come from
// the record instead, whichever process did the work (RecordMetrics).
type Metrics struct {
	// Runs counts finished runs by job and final status.
	Runs *prometheus.CounterVec
	// Duration observes run durations (all attempts) by job.
	Duration *prometheus.HistogramVec
	// Attempts counts attempts by job, including retries.
	Attempts *prometheus.CounterVec
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
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memberlytics_job_attempts_total",
			Help: "Job attempts, retries included.",
		}, []string{LabelJob}),
		Running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "memberlytics_job_running",
			Help: "Runs in progress by job.",
		}, []string{LabelJob}),
	}
	if reg != nil {
		reg.MustRegister(m.Runs, m.Duration, m.Attempts, m.Running)
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
}
