// Package loaders loads member, order, event, order item and campaign
// assignment files into ClickHouse's raw tables (members, orders, events,
// order_items, campaign_members; Kind.Table), exactly once and all or
// nothing. Items take their member from orders as they load (kinds.go).
//
// A Loader reads one file at a time: CSV (header line, any one-character
// delimiter, RFC 4180 quoting, optional UTF-8 BOM), NDJSON (one object per
// line) or Parquet, each optionally compressed with gzip (.gz) or zstd
// (.zst). Source columns are renamed to the canonical ones by a mapping,
// values are parsed (parse.go: timestamps in several layouts, naive ones in
// a configured zone, decimals to cents), and good rows are gathered into
// batches of at most BatchRows rows (column slices, reused from batch to
// batch), each sent to ClickHouse as one columnar insert. Memory is
// bounded by the batch size, not by the file.
//
// Exactly once: a file is identified by the sha256 of its bytes. The
// ledger table load_files records every attempt; a file that has been
// loaded is skipped (Result.Skipped, with when) unless Force is set.
//
// All or nothing: rows go first into the attempt's own staging table
// <kind>_stage_<file_id>_<attempt_id> in the work database
// (warehouse.WorkDatabase, out of the BI user's sight), then the whole file
// is published with ALTER TABLE <kind> ATTACH PARTITION tuple() FROM the
// stage and the stage is dropped. On any failure the stage is dropped and
// the attempt marked failed. If the process dies between the ATTACH and
// the ledger update, the next attempt finds the file's rows in the raw
// table (by file_id) and completes the ledger instead of loading again.
//
// Concurrent loads (lease.go): a load holds its file's lease in
// load_leases, so a second load of the file fails with ErrBeingLoaded and
// a file is published at most once. Sweep drops the stages of attempts
// whose lease has expired and marks their attempts abandoned.
//
// Bad rows (a required field missing, a value that does not parse, a
// negative amount on a paid order, a timestamp more than a day in the
// future, an unknown order status) go to load_rejects; the rest of the file
// loads unless the rejected share exceeds MaxRejectRatio, in which case the
// file fails as a whole. A file that is not what its format claims (binary
// data in a text file, a truncated Parquet file, a broken gzip stream)
// fails with an error wrapping ErrCorrupt.
//
// Re-sent keys: the raw tables are ReplacingMergeTrees keyed on the
// business key with the latest updated_at winning, and models read the
// *_current views (FINAL), so an order sent again with a later updated_at
// replaces the earlier one and no key counts twice. Events without an
// event_id get one derived from a hash of a canonical form of the row
// (canonical.go), so a forced reload of an events file, or the same events
// in another format, does not double count.
//
// Cluster mode (a connection with a warehouse.Topology; docs/cluster.md):
// the stage is a Distributed table over a <stage>_local on every shard,
// sharded by cityHash64(member_id) like the raw table; batches are
// inserted synchronously (a shard down fails the file) and publishing
// attaches every shard's local stage to its <kind>_local. Each shard's
// attach is atomic, the set is not: an attempt that died after some
// shards attached is published again on every shard by the next load
// (rows attached twice collapse under FINAL: all versions of a key share a
// member, hence a shard). An order re-sent with a different member_id
// lands on another shard and counts twice; the checks job's uniqueness
// checks catch it.
package loaders
