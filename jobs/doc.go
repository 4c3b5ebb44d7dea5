// Package jobs runs memberlytics' work: a graph of named jobs (loads,
// checks, models, exports) with dependencies, run in topological order by
// one Runner whatever started them (the scheduler, the API, the CLI or a
// backfill), with retries for transient failures, a per-job timeout and the
// run history kept in ClickHouse (table job_runs).
//
// A Job is anything with a Name and a Run(ctx, asOf) that returns Stats; the
// adapters in this package turn loaders, models and exporters into Jobs, so
// those packages never import this one. Service adds the gocron scheduler,
// the HTTP API and graceful shutdown on top of a Runner.
package jobs
