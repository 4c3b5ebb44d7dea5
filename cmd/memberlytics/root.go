package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/jobs"
	"github.com/memberlytics/memberlytics/models"
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

	cfg config.Config
	// models is cfg's model registry, built once by init; the job graph,
	// the report's sections and the date commands share it.
	models    *models.Registry
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
	root.Version = versionString(debug.ReadBuildInfo())
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "config file (default ./"+config.DefaultPath+" when present)")
	f.StringVar(&a.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level; default warn except for serve)")
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
		newDatesCmd(a),
		newDropCmd(a),
		newCleanCmd(a),
	)
	return root
}

func (a *app) init(cmd *cobra.Command) error {
	cfg, err := config.Load(a.configPath, cmd.Flags().Changed("config"), a.getenv)
	if err != nil {
		return err
	}
	// The models' sections are decoded by the models: build them all now,
	// so a bad models.* key stops every command before any work.
	reg, err := newModelRegistry(cfg)
	if err != nil {
		return err
	}
	switch {
	case a.logLevel != "":
		cfg.Log.Level = a.logLevel
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("--log-level: %w", err)
		}
	case !cfg.Origin.Set("log.level") && cmd.Name() != "serve":
		// Commands run by hand print their own results; their logs are
		// for what went wrong. The daemon keeps log.level's default.
		cfg.Log.Level = "warn"
	}
	a.cfg, a.models = cfg, reg
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
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	a.cfg.Local.Dir = localDirFor(cfg.Local.Dir, cfg.Origin.File, cwd)
	switch {
	case a.useLocal:
		st, err := managedServer(a.cfg.Local.Dir, a.log)
		if err != nil {
			return fmt.Errorf("--local: %w (run memberlytics clickhouse start)", err)
		}
		a.cfg.ClickHouse.Addr = st.Addr()
	case !cfg.Origin.Set("clickhouse.addr") && !cfg.ClickHouse.Cluster.Enabled():
		// No address given: the managed local server when it runs.
		if st, err := managedServer(a.cfg.Local.Dir, a.log); err == nil {
			a.cfg.ClickHouse.Addr = st.Addr()
			a.log.Debug("using the managed local clickhouse", "addr", st.Addr(), "dir", st.Dir)
		}
	}
	return nil
}

// managedServer returns the managed local server in dir when its process
// is alive. A server that is alive but misses its ping (busy under load) is
// still the one to use: the connection's own retries and timeouts deal
// with slowness, where falling back to the default address would not.
func managedServer(dir string, log *slog.Logger) (localch.State, error) {
	st, err := localch.Status(dir)
	if err != nil && st.PID != 0 {
		log.Warn("managed local clickhouse does not answer its ping yet; connecting anyway", "addr", st.Addr(), "err", err)
		return st, nil
	}
	return st, err
}

// localDirFor resolves local.dir: an absolute dir as is; a relative one
// beside the config file when one was read, else in the nearest directory
// from cwd upwards that holds it (so the server started at a project's
// root is found from its subdirectories), else in cwd.
func localDirFor(dir, configFile, cwd string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	if configFile != "" {
		if abs, err := filepath.Abs(configFile); err == nil {
			return filepath.Join(filepath.Dir(abs), dir)
		}
	}
	for d := cwd; ; {
		if st, err := os.Stat(filepath.Join(d, dir)); err == nil && st.IsDir() {
			return filepath.Join(d, dir)
		}
		up := filepath.Dir(d)
		if up == d {
			return filepath.Join(cwd, dir)
		}
		d = up
	}
}

// open connects to the warehouse with the configured retry policy: one
// server, or every shard of clickhouse.cluster (a *warehouse.ClusterConn).
func (a *app) open(ctx context.Context) (warehouse.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	opt := warehouse.Options{Logger: a.log, Metrics: a.metrics()}
	var conn warehouse.Conn
	var err error
	if a.cfg.ClickHouse.Cluster.Enabled() {
		conn, err = warehouse.OpenCluster(ctx, a.cfg.ClickHouse, opt)
	} else {
		conn, err = warehouse.Open(ctx, a.cfg.ClickHouse, opt)
	}
	if errors.Is(err, warehouse.ErrNoServer) {
		return nil, fmt.Errorf("no ClickHouse at %s: start one with `memberlytics clickhouse start`, or set clickhouse.addr (%w)", a.cfg.ClickHouse.Addr, err)
	}
	return conn, err
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
