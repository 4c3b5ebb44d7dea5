// Package exporters publishes allow-listed ClickHouse tables for one as_of
// as files that CRM and data tools read: Parquet (parquet-go), CSV and
// Arrow IPC.
//
// An Exporter streams each Source of its Catalog (the allow-list) from
// ClickHouse in bounded batches, ordered by member_id and then every other
// column, into one file per table and format:
//
// The contracts in detail are in README.md in this folder.
package exporters
