// Package models is memberlytics' model framework: the Model interface
// (Name, Deps, Run), its output-table declarations (Tables), an explicit
// Registry, RunAll/RunOne (run, record figures in model_metrics and
// model_params, publish the as_of's snapshot).
//
// A model reads the *_current views up to the end of its as_of day
// (Window) and publishes each output table's as_of partition whole through
// internal/platform/query (q.Stage), so a re-run replaces it and a failed
// run leaves the previous one. The models are folders, models/<name>/;
// this package imports none of them (cmd/memberlytics wires them).
//
// Adding a model: one folder and one registry line; the walkthrough is in
// docs/architecture.md, the conventions in models/README.md, and
// models/internal/example is a complete example model.
package models
