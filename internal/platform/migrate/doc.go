// Package migrate applies memberlytics' schema migrations to ClickHouse.
//
// Migrations are files NNN_name.sql in an fs.FS (the embedded sql.Schema),
// applied in version order and recorded in the table schema_migrations.
// Applying is idempotent: a version already recorded is skipped, so a
// second run changes nothing. ClickHouse has no transactional DDL, so every
// statement in a migration must be safe to run twice (CREATE ... IF NOT
// EXISTS, ADD COLUMN IF NOT EXISTS): a migration that fails part-way is
// re-run whole the next time. A failure stops the run with a *Error naming
// the file, the statement and the server's message.
//
// Table and view comments come from CommentsFile beside the migrations
// and are set after them on servers that support ALTER TABLE ... MODIFY
// COMMENT (23.9+), only where they differ; 18.16 cannot store them.
// Column comments come from the migrations; after them, on every version,
// each <table>_latest and <table>_current view's columns get <table>'s
// column comments, so BI tools read the same definitions in
// system.columns for the views as for the tables.
//
// Cluster mode (Runner.UseCluster, docs/cluster.md) keeps the migrations
// single-sourced: a Rewriter turns each single-server statement into
// cluster steps (a sharded table becomes <table>_local on every shard plus
// a Distributed table under its name; views over sharded tables go to
// every shard; home tables stay on the initiator) and refuses forms it
// does not know, so a new migration cannot slip through unsharded. With
// on_cluster the same steps carry ON CLUSTER and are sent once.
//
// It is a small runner on the native API rather than pressly/goose: goose's
// provider goes through database/sql, and on ClickHouse 18.16 that failed
// with "create version table: sql: connection is already closed".
package migrate
