package models

import (
	"context"
	"log/slog"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/randid"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Model computes one family of outputs for an as_of date.
//
// Name is stable snake_case: it keys the model's folder and SQL file
// (models/<name>/<name>.sql), its job, its metric label and its tables; never
// rename a model in place. Deps names the models whose output tables for
// the same as_of Run reads. Run must be idempotent per as_of (write through
// ReplacePartition) and must read only data up to the end of asOf in
// env.Location. A model's own parameters are given to its constructor, not
// through Env.
type Model interface {
	Name() string
	Deps() []string
	Run(ctx context.Context, env Env, asOf time.Time) (Result, error)
}

// Env is what a run gives every model. It is read-only and safe to share
// between models running concurrently.
type Env struct {
	// Conn is the warehouse.
	Conn warehouse.Conn
	// Location is the business time zone in which an as_of day ends.
	Location *time.Location
	// RunID identifies this run; every output row carries it.
	RunID string
	// Log is scoped by RunAll with model and as_of.
	Log *slog.Logger
	// Inputs maps each of the model's Deps to the run id of its output for
	// the as_of; RunOne sets it after checking every dependency has one,
	// and a model reads its dependencies' rows of exactly these runs.
	Inputs map[string]string
	// Snapshot, when set, is the set of models a published snapshot
	// consists of: after each model RunOne publishes the as_of's snapshot
	// once every model of it has a consistent finished run (see
	// PublishSnapshot). RunAll and jobs.AddModels set it to their registry.
	Snapshot *Registry
}

// Result is what a model reports from one run. RunAll records Metrics
// (plus rows_<table> and run_seconds) in model_metrics and Params in
// model_params, replacing the model's earlier figures for the same as_of.
type Result struct {
	// Rows is the number of rows written per output table.
	Rows map[string]uint64
	// Metrics are the run's figures (KPIs, counts, quality measures).
	Metrics map[string]float64
	// Params are values the run fitted or derived (thresholds, cut points).
	Params map[string]float64
}

// NewRunID returns a new run identifier: the UTC start time and 4 random
// bytes, e.g. 20240401T020000Z-9f1c2ab0.
func NewRunID(now time.Time) string {
	return now.UTC().Format("20060102T150405Z") + "-" + randid.Hex(4)
}

// Logger returns e.Log, or a logger that discards when it is nil.
func (e Env) Logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

func (e Env) location() *time.Location {
	if e.Location == nil {
		return time.UTC
	}
	return e.Location
}
