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
// The contracts in detail are in README.md in this folder.
package migrate
