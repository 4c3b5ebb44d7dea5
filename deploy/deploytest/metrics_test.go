package deploytest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/jobs"
)

// recorder is a prometheus.Registerer that keeps what is registered, so
// the test can read every metric's name and labels without observing it.
type recorder struct{ collectors []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
}

func (r *recorder) Unregister(prometheus.Collector) bool { return false }

// registeredMetrics returns the metrics memberlytics registers (job runner,
// the record and warehouse), by name, with their variable labels.
func registeredMetrics(t *testing.T) map[string][]string {
	t.Helper()
	rec := &recorder{}
	jobs.NewMetrics(rec)
	warehouse.NewMetrics(rec)
	record, err := jobs.NewRecordMetrics(nil, jobs.RecordOptions{}) // Describe reads nothing
	if err != nil {
		t.Fatal(err)
	}
	rec.MustRegister(record)
	descRE := regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)
	out := map[string][]string{}
	for _, c := range rec.collectors {
		ch := make(chan *prometheus.Desc, 16)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := descRE.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read metric description %s", d)
			}
			var labels []string
			for _, l := range strings.Split(m[2], ",") {
				if l = strings.TrimSpace(l); l != "" {
					labels = append(labels, l)
				}
			}
			out[m[1]] = labels
		}
	}
	if len(out) == 0 {
		t.Fatal("no metrics registered")
	}
	return out
}

// TestDashboardQueriesRegisteredMetrics checks the Grafana dashboard against
// the code: every memberlytics_* series it queries is registered by
// jobs.NewMetrics, jobs.NewRecordMetrics or warehouse.NewMetrics (histograms through their
// _bucket, _count and _sum series), and every label it groups such a
// series by exists on the metric (or is le for a bucket).
func TestDashboardQueriesRegisteredMetrics(t *testing.T) {
	metrics := registeredMetrics(t)
	data, err := os.ReadFile(filepath.Join(deployDir, "grafana", "memberlytics-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	seriesRE := regexp.MustCompile(`\bmemberlytics_[a-z0-9_]+`)
	byRE := regexp.MustCompile(`by \(([^)]*)\)`)
	matcherRE := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"`)
	selectorRE := regexp.MustCompile(`\{([^}]*)\}`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			names := seriesRE.FindAllString(tg.Expr, -1)
			var labels []string
			for _, g := range byRE.FindAllStringSubmatch(tg.Expr, -1) {
				for _, l := range strings.Split(g[1], ",") {
					labels = append(labels, strings.TrimSpace(l))
				}
			}
			// Label matchers inside series selectors: {job_name=~"$job"}.
			for _, sel := range selectorRE.FindAllStringSubmatch(tg.Expr, -1) {
				if strings.HasPrefix(sel[1], "{") { // a legend {{...}}, not a selector
					continue
				}
				for _, m := range matcherRE.FindAllStringSubmatch(sel[1], -1) {
					labels = append(labels, m[1])
				}
			}
			for _, series := range names {
				name, bucket := series, false
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if base, ok := strings.CutSuffix(series, suffix); ok && metrics[base] != nil {
						name, bucket = base, suffix == "_bucket"
					}
				}
				have, ok := metrics[name]
				if !ok {
					t.Errorf("panel %q queries %s, which no memberlytics code registers", p.Title, series)
					continue
				}
				used[name] = true
				// Only check grouping labels when the expression reads one metric.
				if len(names) != 1 {
					continue
				}
				for _, l := range labels {
					if !slices.Contains(have, l) && !(bucket && l == "le") {
						t.Errorf("panel %q uses label %s on %s; its labels are %v", p.Title, l, series, have)
					}
				}
			}
		}
	}
	for name := range metrics {
		if !used[name] {
			t.Logf("the dashboard does not chart %s", name)
		}
	}
}

// TestMetricsAvoidTargetLabels: Prometheus attaches job and instance to
// every scraped series; a metric label of the same name would be renamed
// exported_job (or need honor_labels, which lets the app override them).
func TestMetricsAvoidTargetLabels(t *testing.T) {
	for name, labels := range registeredMetrics(t) {
		for _, l := range labels {
			if l == "job" || l == "instance" {
				t.Errorf("%s has a label %q, which clashes with Prometheus' target label", name, l)
			}
		}
	}
}
