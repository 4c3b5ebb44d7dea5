package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/config"
	"github.com/memberlytics/memberlytics/internal/localch"
	"github.com/memberlytics/memberlytics/internal/warehouse"
	"github.com/memberlytics/memberlytics/jobs"
)

// app is what every command receives: configuration, logger, registry and
// a way to open the warehouse. Only this package reads flags and the
// environment.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string

	configPath  string
	logLevel    string
	useLocal    bool
	cpuProfile  string
	stopProfile func()

	cfg       config.Config
	log       *slog.Logger
	registry  *prometheus.Registry
	whMetrics *warehouse.Metrics
	// jobMetrics are created once per registry by buildJobs.
	jobMetrics *jobs.Metrics
}

func newRootCmd(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv}
	root := &cobra.Command{
		Use:           "memberlytics",
		Short:         "Membership analytics on ClickHouse: load, model, export, serve",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.init(cmd)
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if a.stopProfile != nil {
				a.stopProfile()
			}
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "config file (default ./"+config.DefaultPath+" when present)")
	f.StringVar(&a.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)")
	f.BoolVar(&a.useLocal, "local", false, "use the managed local ClickHouse (memberlytics clickhouse start)")
	f.StringVar(&a.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the command to this file (for benchmarks)")
	_ = f.MarkHidden("cpuprofile")

	// The command list: one constructor per file in this package.
	root.AddCommand(
		newMigrateCmd(a),
		newClickHouseCmd(a),
		newVersionCmd(a),
		newGenerateCmd(),
		newRunCmd(a),
		newBackfillCmd(a),
		newRunsCmd(a),
		newServeCmd(a),
		newEvaluateCmd(a),
		newLoadCmd(a),
		newReportCmd(a),
		newExportCmd(a),
		newCleanCmd(a),
	)
	return root
}

func (a *app) init(cmd *cobra.Command) error {
	cfg, err := config.Load(a.configPath, cmd.Flags().Changed("config"), a.getenv)
	if err != nil {
		return err
	}
	if a.logLevel != "" {
		cfg.Log.Level = a.logLevel
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("--log-level: %w", err)
		}
	}
	a.cfg = cfg
	a.log = newLogger(a.stderr, cfg.Log)
	if a.cpuProfile != "" {
		pf, err := os.Create(a.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		a.stopProfile = func() { pprof.StopCPUProfile(); pf.Close() }
	}
	a.registry = prometheus.NewRegistry()
	if a.useLocal {
		st, err := localch.Status(cfg.Local.Dir)
		if err != nil {
			return fmt.Errorf("--local: %w (run memberlytics clickhouse start)", err)
		}
		a.cfg.ClickHouse.Addr = st.Addr()
	}
	return nil
}

// open connects to the warehouse with the configured retry policy: one
// server, or every shard of clickhouse.cluster (a *warehouse.ClusterConn).
func (a *app) open(ctx context.Context) (warehouse.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	opt := warehouse.Options{Logger: a.log, Metrics: a.metrics()}
	if a.cfg.ClickHouse.Cluster.Enabled() {
		return warehouse.OpenCluster(ctx, a.cfg.ClickHouse, opt)
	}
	return warehouse.Open(ctx, a.cfg.ClickHouse, opt)
}

func (a *app) metrics() *warehouse.Metrics {
	if a.whMetrics == nil {
		a.whMetrics = warehouse.NewMetrics(a.registry)
	}
	return a.whMetrics
}

// newLogger returns text logs on a terminal and JSON otherwise.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	format := c.Format
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
