// Package snapshot reads and withdraws published snapshots: per as_of,
// the run of every registered model whose outputs make up that date
// (table snapshots, migration 031). The models package publishes a
// snapshot when the last model of a date finishes and every output is
// consistent; exports, the report and the _latest views read only
// snapshot dates and runs. Start with Get and Latest.
package snapshot
