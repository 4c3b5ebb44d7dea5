// Package exporters publishes allow-listed ClickHouse tables for one as_of
// as files that CRM and data tools read: Parquet (parquet-go), CSV and
// Arrow IPC.
//
// An Exporter streams each Source of its Catalog (the allow-list) from
// ClickHouse in bounded batches, ordered by member_id and then every other
// column, into one file per table and format:
//
//	DIR/as_of=YYYY-MM-DD/
//	    member_profile.parquet  member_profile.csv  member_profile.arrow
//	    segment_members.parquet ...
//	    segment_changes.parquet ...
//	    manifest.json   (as_of, run_id, created_at; per file: table, format,
//	                     rows, bytes, sha256, columns with ClickHouse types)
//	    _SUCCESS        (written last: only folders holding it are complete)
//
// Column types follow the ClickHouse types (see parquetSchema, arrowType
// and csvWriter for the mapping); the column order is the table's (or the
// query's) and is the same in every format.
//
// Publication is atomic: files are written as NAME.partial in a staging
// folder DIR/.tmp-as_of=...-RUNID, fsynced and renamed; then the manifest
// and _SUCCESS; then the staging folder is swapped with the published one
// (renameat2 RENAME_EXCHANGE) and the old content removed. A killed export
// leaves only the staging folder, which the next export removes, and the
// previous publication of that as_of untouched. An flock on
// DIR/.export.lock keeps two exports out of one directory.
//
// Determinism: with the same data and options the data files are
// byte-identical from run to run (no timestamps or run ids inside them);
// only manifest.json differs (run_id, created_at).
//
// Nothing is written outside the configured directory: table names come
// from the Catalog and must be plain lower-case identifiers, and ResolveDir
// resolves ".." and symbolic links before accepting an --out directory.
package exporters
