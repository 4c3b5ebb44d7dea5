package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/jobs"
	"github.com/memberlytics/memberlytics/loaders"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/sql"
)

// jobsEnv is what serve, run, backfill and runs share: the connection, the
// graph of every job and the runner over it.
type jobsEnv struct {
	conn    warehouse.Conn
	guard   *jobs.AsOfGuard
	graph   *jobs.Graph
	store   *jobs.Store
	runner  *jobs.Runner
	metrics *jobs.Metrics
}

// newJobs opens the warehouse and builds the job graph:
//
//	load_<source> (each loaders.sources entry with paths)
//	  -> checks -> the models in dependency order -> export (exports.dir)
//
// with the pipeline "load" (every load job). The caller closes env.conn.
func (a *app) newJobs(ctx context.Context) (*jobsEnv, error) {
	conn, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	env, err := a.buildJobs(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return env, nil
}

func (a *app) buildJobs(conn warehouse.Conn) (*jobsEnv, error) {
	cfg := a.cfg
	g := jobs.NewGraph()
	var loads []string
	names := make([]string, 0, len(cfg.Loaders.Sources))
	for n := range cfg.Loaders.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		src := cfg.Loaders.Sources[name]
		if len(src.Paths) == 0 {
			continue // used with `memberlytics load --source NAME PATH...` only
		}
		o, err := a.sourceOptions(name)
		if err != nil {
			return nil, err
		}
		j := jobs.LoadJob(conn, jobs.LoadSource{Name: name, Paths: src.Paths, Glob: src.Glob, Options: o})
		if err := g.Add(j); err != nil {
			return nil, err
		}
		loads = append(loads, j.Name())
	}
	if len(loads) > 0 {
		if err := g.Pipeline("load", loads...); err != nil {
			return nil, err
		}
	}
	sev := map[string]jobs.Severity{}
	for k, v := range cfg.Jobs.Checks.Severity {
		sev[k] = jobs.Severity(v)
	}
	checks, err := jobs.NewChecks(conn, jobs.ChecksOptions{
		Location:          cfg.Location(),
		MaxAge:            cfg.Jobs.Checks.FreshnessMaxAge.D(),
		FreshnessSeverity: jobs.Severity(cfg.Jobs.Checks.FreshnessSeverity),
		Severity:          sev,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs.checks: %w", err)
	}
	if err := g.Add(checks, loads...); err != nil {
		return nil, err
	}
	if err := jobs.AddModels(g, a.models, models.Env{Conn: conn, Location: cfg.Location(), Log: a.log}, jobs.ChecksJobName); err != nil {
		return nil, err
	}
	cat, err := exporters.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	o := exporters.OptionsFromConfig(cfg.Exports)
	o.Logger = a.log
	if _, err := exporters.New(conn, cat, o); err != nil {
		return nil, err // refuse bad options before anything runs
	}
	newExporter := func(runID string) (jobs.Exporter, error) {
		o := o
		o.RunID = runID
		return exporters.New(conn, cat, o)
	}
	if err := g.Add(jobs.ExportJob(exporters.StepName, newExporter), a.models.Names()...); err != nil {
		return nil, err
	}
	store, err := jobs.NewStore(conn)
	if err != nil {
		return nil, err
	}
	if a.jobMetrics == nil {
		a.jobMetrics = jobs.NewMetrics(a.registry)
	}
	var notifier jobs.Notifier
	if cfg.Jobs.Webhook.URL != "" {
		notifier = jobs.NewWebhook(cfg.Jobs.Webhook.URL, cfg.Jobs.Webhook.Timeout.D())
	}
	timeouts := map[string]time.Duration{}
	for k, v := range cfg.Jobs.Timeouts {
		if _, ok := g.Job(k); !ok {
			return nil, fmt.Errorf("jobs.timeouts.%s: %w", k, jobs.ErrUnknownJob)
		}
		timeouts[k] = v.D()
	}
	guard, err := jobs.NewAsOfGuard(conn, cfg.Location(), nil)
	if err != nil {
		return nil, err
	}
	r := cfg.Jobs.Retry
	runner, err := jobs.NewRunner(jobs.Options{
		Guard: guard,
		Graph: g, Store: store, Logger: a.log, Metrics: a.jobMetrics,
		Retry:   jobs.RetryPolicy{MaxAttempts: r.MaxAttempts, Initial: r.InitialBackoff.D(), Max: r.MaxBackoff.D(), Jitter: r.Jitter},
		Timeout: cfg.Jobs.Timeout.D(), Timeouts: timeouts, Notifier: notifier,
		AbandonAfter: cfg.Jobs.AbandonAfter.D(), HeartbeatInterval: cfg.Jobs.HeartbeatInterval.D(),
	})
	if err != nil {
		return nil, err
	}
	return &jobsEnv{conn: conn, guard: guard, graph: g, store: store, runner: runner, metrics: a.jobMetrics}, nil
}

// requireMigrated refuses to run jobs on a database with migrations
// pending (run and backfill; serve waits instead): the jobs and the run
// history need the current schema.
func (a *app) requireMigrated(ctx context.Context, conn warehouse.Conn) error {
	mig, err := migrate.New(conn, sql.Migrations(), a.log)
	if err != nil {
		return err
	}
	n, err := mig.Pending(ctx)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d migrations pending on database %s: run memberlytics migrate first", n, conn.Database())
	}
	return nil
}

// loaderOptions builds the loader options from the loaders section and,
// when source is not empty, loaders.sources.<source>: the one place both
// `memberlytics load` (which then applies its flags) and a scheduled load
// job take them from. Kind and Location are left to the caller; tz is the
// time zone's name, for a flag to override before it is loaded.
func (a *app) loaderOptions(source string) (o loaders.Options, tz string, err error) {
	cfg := a.cfg.Loaders
	o = loaders.Options{
		Logger: a.log, BatchRows: cfg.BatchRows, MaxRejectRatio: cfg.MaxRejectRatio, NumberFormat: cfg.NumberFormat,
	}
	tz = cfg.Timezone
	if source == "" {
		return o, tz, nil
	}
	s, ok := cfg.Sources[source]
	if !ok {
		names := make([]string, 0, len(cfg.Sources))
		for n := range cfg.Sources {
			names = append(names, n)
		}
		sort.Strings(names)
		return o, "", fmt.Errorf("no such source in loaders.sources (have: %s)", strings.Join(names, ", "))
	}
	o.Source, o.Format, o.Mapping, o.TimestampLayouts = source, loaders.Format(s.Format), s.Columns, s.TimestampLayouts
	if s.Delimiter != "" {
		o.Delimiter = []rune(s.Delimiter)[0]
	}
	if s.Timezone != "" {
		tz = s.Timezone
	}
	return o, tz, nil
}

// sourceOptions turns loaders.sources.NAME into the options of its
// scheduled load job.
func (a *app) sourceOptions(name string) (loaders.Options, error) {
	o, tz, err := a.loaderOptions(name)
	if err != nil {
		return loaders.Options{}, fmt.Errorf("loaders.sources.%s: %w", name, err)
	}
	if o.Kind, err = loaders.ParseKind(a.cfg.Loaders.Sources[name].Kind); err != nil {
		return loaders.Options{}, fmt.Errorf("loaders.sources.%s.kind: %w", name, err)
	}
	if o.Location, err = time.LoadLocation(tz); err != nil {
		return loaders.Options{}, fmt.Errorf("loaders.sources.%s.timezone: %w", name, err)
	}
	return o, nil
}

// defaultAsOf is yesterday in the business time zone: the last complete day.
func (a *app) defaultAsOf() time.Time {
	return jobs.Date(time.Now().In(a.cfg.Location())).AddDate(0, 0, -1)
}

// parseAsOf reads --as-of: YYYY-MM-DD, "yesterday" or "today" (business zone).
func (a *app) parseAsOf(s string) (time.Time, error) {
	switch s {
	case "", "yesterday":
		return a.defaultAsOf(), nil
	case "today":
		return jobs.Date(time.Now().In(a.cfg.Location())), nil
	}
	return asof.Parse(s)
}

// checkAsOf applies the as_of rules (jobs.AsOfGuard, the one the runner,
// the API and the scheduler use) to a date report or export reads.
func (a *app) checkAsOf(ctx context.Context, conn warehouse.Conn, day time.Time, allowEmpty bool) error {
	guard, err := jobs.NewAsOfGuard(conn, a.cfg.Location(), nil)
	if err != nil {
		return err
	}
	return asOfHint(guard.Check(ctx, day, false, allowEmpty))
}

// asOfHint adds to an as_of refusal the date to use instead and the flag
// that overrides it.
func asOfHint(err error) error {
	var ae *jobs.AsOfError
	if !errors.As(err, &ae) {
		return err
	}
	use, ok := ae.Suggest()
	if !ok {
		return fmt.Errorf("%w: load data first (memberlytics load), or --allow-empty", err)
	}
	return fmt.Errorf("%w: use --as-of %s, or --allow-empty", err, use.Format(asof.Layout))
}

// rangeHint is asOfHint for backfill's --from and --to.
func rangeHint(err error) error {
	var ae *jobs.AsOfError
	if !errors.As(err, &ae) {
		return err
	}
	if !ae.Range.Loaded {
		return fmt.Errorf("%w: load data first (memberlytics load), or --allow-empty", err)
	}
	return fmt.Errorf("%w: keep --from and --to within %s to %s, or --allow-empty", err,
		ae.Range.First.Format(asof.Layout), ae.Range.Last.Format(asof.Layout))
}
