// Package models is memberlytics' model framework: the Model interface, an
// explicit Registry, and the helpers every model uses to read an as_of
// window and to write its output idempotently.
//
// A model reads members_current, orders_current and events_current (never
// the raw tables) up to the end of its as_of day in the business time zone,
// and writes one partition per as_of of each output table through
// ReplacePartition, so re-running an as_of replaces its rows and a failed
// run leaves the previous output untouched. Every output table carries
// as_of and run_id, and a view <table>_latest shows its newest as_of.
//
// Adding a model takes three steps (see Example):
//
//  1. Write its query in sql/models/<name>.sql, one "-- name: <query>"
//     section per statement, and its output table in a migration
//     (sql/schema/0NN_<name>.sql, every column with a COMMENT, plus the
//     <name>_latest view).
//  2. Write a type in models/<name>.go with Name, Deps and Run; Run calls
//     ReplacePartition with a fill that runs the query into the stage table.
//  3. Add it to the registry in cmd/memberlytics (newModelRegistry).
//
// The segmentation models (rfm, cohorts, engagement, lifecycle, tiers,
// member_profile) live in this package; each has its own file.
//
// So do the predictive models: clv (BG/NBD and Gamma-Gamma from
// models/clv, fitted on distinct histories grouped in ClickHouse, scored
// per history and joined back), churn (logistic regression from
// models/churn, trained on a bounded sample and scored in ClickHouse as an
// expression of its coefficients) and potential. See docs/predictive.md.
//
// Cluster mode (docs/cluster.md): models run unchanged on a
// warehouse.ClusterConn. They read through the Distributed tables and the
// *_current views, and ReplacePartition stages a sharded output (one in
// sql.Sharded) on every shard and replaces each shard's partition; home
// outputs stay on the initiator. Model SQL must follow the read rules in
// docs/cluster.md: no JOIN or IN over a Distributed table inside a query
// whose outer FROM is a Distributed table (exception 288; read through a
// view or a subquery instead), and no result that depends on row order.
package models
