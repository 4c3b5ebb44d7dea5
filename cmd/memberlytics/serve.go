package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/jobs"
	"github.com/memberlytics/memberlytics/report"
)

func newServeCmd(a *app) *cobra.Command {
	var (
		listen   string
		poll     time.Duration
		cacheFor time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--listen host:port]",
		Short: "Run the scheduler, the HTTP API (/healthz, /readyz, /metrics, /api/...) and the report (/, /runs) until SIGTERM/SIGINT",
		Long: "Run the daemon: the cron schedules of jobs.schedules, and the HTTP API on\n" +
			"server.listen. Runs whose lease expired (no heartbeat for three\n" +
			"jobs.heartbeat_interval: process or ClickHouse connection gone) or whose\n" +
			"process is gone are marked abandoned at start and every lease, and the\n" +
			"webhook is told. At start each schedule's last fire within jobs.catch_up\n" +
			"is run again where a job of it did not succeed. On a database with migrations pending serve stays up:\n" +
			"/healthz and /metrics answer, /readyz and the API answer 503 with the\n" +
			"reason, and the scheduler starts once `memberlytics migrate` has run\n" +
			"(checked every --schema-poll). /metrics counts rows loaded, rejected and\n" +
			"exported and each job's last success from the record (load_files, job_runs,\n" +
			"the export folders' manifests), so CLI loads and runs show too; one read is\n" +
			"served for --metrics-cache. On SIGTERM or SIGINT no new run starts, running jobs get\n" +
			"jobs.shutdown_grace to finish, then are cancelled (recorded cancelled).\n" +
			"/api/ requires \"Authorization: Bearer TOKEN\" when a token is configured;\n" +
			"without one the server only listens on a loopback address.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			addr := a.cfg.Server.Listen
			if listen != "" {
				addr = listen
			}
			token := a.cfg.Server.Token.Value()
			if err := jobs.CheckListen(addr, token); err != nil {
				return err
			}
			env, err := a.newJobs(ctx)
			if err != nil {
				return err
			}
			defer env.conn.Close()
			var scheds []jobs.Schedule
			for _, s := range a.cfg.Jobs.Schedules {
				loc := time.UTC
				if s.Timezone != "" {
					if loc, err = time.LoadLocation(s.Timezone); err != nil {
						return fmt.Errorf("jobs.schedules: %w", err)
					}
				}
				scheds = append(scheds, jobs.Schedule{Name: s.Name, Target: s.Target, Cron: s.Cron, Location: loc})
			}
			mig, err := newMigrator(env.conn, a.log)
			if err != nil {
				return err
			}
			ready := jobs.Readiness(env.conn, mig.Pending)
			// Rows loaded, rejected, exported and last successes come from
			// the record, so the work of CLI commands and of earlier
			// processes shows too.
			exportDir, err := exporters.ResolveDir(a.cfg.Exports.Dir, "")
			if err != nil {
				return err
			}
			rec, err := jobs.NewRecordMetrics(env.conn, jobs.RecordOptions{TTL: cacheFor, ExportDir: exportDir, Logger: a.log})
			if err != nil {
				return err
			}
			if err := a.registry.Register(rec); err != nil {
				return fmt.Errorf("register the record metrics: %w", err)
			}
			svc, err := jobs.NewService(jobs.ServiceOptions{
				Runner: env.runner, Schedules: scheds, Location: a.cfg.Location(),
				Grace: a.cfg.Jobs.ShutdownGrace.D(), Logger: a.log, CatchUp: a.cfg.Jobs.CatchUp.D(),
				// The run history and the jobs need the schema: wait for
				// `memberlytics migrate` rather than exit.
				StartWhen: ready, StartPoll: poll,
				OnStart: func(ctx context.Context) error {
					_, err := env.runner.RecoverAbandoned(ctx)
					return err
				},
			})
			if err != nil {
				return err
			}
			sections := reportSections(a.models)
			pages := report.NewHandler(env.conn, report.HandlerOptions{
				Sections: sections,
				Options:  report.Options{Lang: report.Lang(a.cfg.Report.Lang), Currency: a.cfg.Report.Currency},
				Logger:   a.log,
				Next: func() []report.Scheduled {
					var out []report.Scheduled
					for _, s := range svc.Schedules() {
						if at, ok := svc.NextRun(s.Name); ok {
							out = append(out, report.Scheduled{Job: s.Target, At: at})
						}
					}
					return out
				},
			})
			handler := jobs.NewAPI(jobs.APIOptions{
				Service: svc, Store: env.store, Gatherer: a.registry, Token: token,
				Ready: ready, Pages: pages, Logger: a.log, RequestTimeout: a.cfg.Server.RequestTimeout.D(),
			})
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			for _, s := range scheds {
				if next, ok := svc.NextRun(s.Name); ok || s.Name == "" {
					a.log.Info("schedule", "schedule", s.Name, "target", s.Target, "cron", s.Cron, "timezone", s.Location.String(), "next_run", next.UTC())
				}
			}
			return svc.Serve(ctx, srv, ln)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "host:port to listen on (default server.listen)")
	cmd.Flags().DurationVar(&cacheFor, "metrics-cache", jobs.DefaultRecordTTL, "how long /metrics serves one read of the record (load_files, job_runs, export manifests) before reading again")
	cmd.Flags().DurationVar(&poll, "schema-poll", 10*time.Second, "while migrations are pending, how often to check before starting the scheduler")
	return cmd
}
