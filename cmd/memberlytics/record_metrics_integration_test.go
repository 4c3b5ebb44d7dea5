package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Loads and runs done by CLI commands, before serve started, show on
// serve's /metrics: rows loaded (including a file loaded with
// memberlytics load), rows exported and each job's last success come from
// the record, not from the process. export --json prints the folder and
// the manifest.
func TestServeMetricsShowCLIWorkIntegration(t *testing.T) {
	t.Parallel()
	env, cfgPath, exportDir := publishPipeline(t) // run all, through the CLI
	extra := filepath.Join(t.TempDir(), "late_orders.csv")
	if err := os.WriteFile(extra, []byte("order_id,member_id,ordered_at,amount\nLATE1,M1,2025-12-30,1\nLATE2,M1,2025-12-30,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, env, "--config", cfgPath, "load", "--kind", "orders", extra); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	out, err := run(t, env, "--config", cfgPath, "export", "--as-of", "2025-12-30", "--json")
	var exp struct {
		Folder     string `json:"folder"`
		DurationMS *int64 `json:"duration_ms"`
		AsOf       string `json:"as_of"`
		Files      []struct {
			Table string `json:"table"`
			Rows  int64  `json:"rows"`
		} `json:"files"`
	}
	if err != nil || json.Unmarshal([]byte(out), &exp) != nil || exp.Folder != filepath.Join(exportDir, "as_of=2025-12-30") ||
		exp.AsOf != "2025-12-30" || exp.DurationMS == nil || len(exp.Files) == 0 {
		t.Fatalf("export --json: err %v; want folder, duration_ms and the manifest's files:\n%s", err, out)
	}
	var profileRows float64
	for _, f := range exp.Files {
		if f.Table == "member_profile" {
			profileRows = float64(f.Rows)
			break
		}
	}
	conn := openTestConn(t, env)
	loaded, err := strconv.ParseFloat(queryString(t, conn, `SELECT toString(sum(r)) FROM (SELECT argMax(rows, version) AS r, argMax(status, version) AS st
		FROM load_files WHERE kind = 'orders' GROUP BY file_id, attempt_id) WHERE st = 'loaded'`), 64)
	if err != nil || loaded < 3 {
		t.Fatalf("orders loaded per the ledger = %v (%v)", loaded, err)
	}

	members, err := strconv.ParseFloat(queryString(t, conn, "SELECT toString(count()) FROM member_profile_latest"), 64)
	if err != nil || members == 0 {
		t.Fatalf("member_profile_latest has %v rows (%v)", members, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var sout, serr bytes.Buffer
	root := newRootCmd(&sout, &serr, func(k string) string { return env[k] })
	root.SetArgs([]string{"--config", cfgPath, "serve", "--listen", addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var fams map[string]*dto
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fams, err = parseMetrics(body)
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve's /metrics never answered: %v\n%s", err, serr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	for _, tt := range []struct {
		name, label, value string
		check              func(float64) bool
		want               string
	}{
		{"memberlytics_rows_loaded_total", "kind", "orders", func(v float64) bool { return v == loaded }, "the ledger's " + strconv.FormatFloat(loaded, 'f', -1, 64)},
		{"memberlytics_rows_loaded_total", "kind", "members", func(v float64) bool { return v == 300 }, "300"},
		{"memberlytics_export_rows_total", "table", "member_profile", func(v float64) bool { return v == profileRows && v > 0 }, "the manifest's rows"},
		{"memberlytics_job_last_success_timestamp_seconds", "job_name", "rfm", func(v float64) bool { return time.Since(time.Unix(int64(v), 0)) < 10*time.Minute }, "about now"},
		{"memberlytics_job_last_success_timestamp_seconds", "job_name", "load_orders", func(v float64) bool { return v > 0 }, "set"},
		{"memberlytics_kpi_members", "", "", func(v float64) bool { return v == members }, "member_profile_latest's rows"},
		{"memberlytics_kpi_active_members", "", "", func(v float64) bool { return v > 0 && v <= members }, "some of the members"},
		{"memberlytics_kpi_revenue", "", "", func(v float64) bool { return v > 0 }, "positive"},
		{"memberlytics_kpi_churn_risk_share", "", "", func(v float64) bool { return v > 0 && v < 1 }, "a share between 0 and 1"},
		{"memberlytics_kpi_as_of_timestamp_seconds", "", "", func(v float64) bool {
			return time.Unix(int64(v), 0).UTC().Format(time.DateOnly) == "2025-12-30"
		}, "2025-12-30"},
	} {
		v, ok := fams[tt.name].get(tt.label, tt.value)
		if !ok || !tt.check(v) {
			t.Errorf("%s{%s=%q} = %v (present %v), want %s", tt.name, tt.label, tt.value, v, ok, tt.want)
		}
	}
}

// dto is one metric family's samples by label value.
type dto struct{ samples []map[string]string }

func (d *dto) get(label, value string) (float64, bool) {
	if d == nil {
		return 0, false
	}
	for _, s := range d.samples {
		if s[label] == value {
			v, err := strconv.ParseFloat(s["__value__"], 64)
			return v, err == nil
		}
	}
	return 0, false
}

func parseMetrics(body []byte) (map[string]*dto, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	out := map[string]*dto{}
	for name, f := range fams {
		d := &dto{}
		for _, m := range f.GetMetric() {
			s := map[string]string{}
			for _, l := range m.GetLabel() {
				s[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				s["__value__"] = strconv.FormatFloat(m.Counter.GetValue(), 'f', -1, 64)
			case m.Gauge != nil:
				s["__value__"] = strconv.FormatFloat(m.Gauge.GetValue(), 'f', -1, 64)
			}
			d.samples = append(d.samples, s)
		}
		out[name] = d
	}
	return out, nil
}
